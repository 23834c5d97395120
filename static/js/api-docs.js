// Starts Swagger UI on the API docs page with the document named by the page.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
})();
