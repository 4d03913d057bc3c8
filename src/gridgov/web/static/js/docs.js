/* The API reference at /docs: the vendored Swagger UI over this app's /openapi.json. A file rather than
   FastAPI's inline start-up script, and the library from static/vendor rather than a CDN, so the page
   works offline and under the pages' Content-Security-Policy (script-src 'self'). */
"use strict";
(function () {
  const holder = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: holder.dataset.spec,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    validatorUrl: null,  // the public validator badge would call out of the district's network
    persistAuthorization: false,  // a token typed here is not kept in localStorage
  });
})();
