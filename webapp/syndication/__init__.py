"""The web's conventions: an Atom feed of upcoming events, sitemap.xml, robots.txt, the
favicon and the web app manifest."""
