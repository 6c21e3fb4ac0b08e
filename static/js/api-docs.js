// Swagger UI for /api/v1/openapi.json, entirely from local assets (no validator badge: it would
// send the spec's address to an outside server).
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    persistAuthorization: false
  });
})();
