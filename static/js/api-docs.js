// The API docs page: Swagger UI (drf-spectacular-sidecar's copy, served by the app) over the app's own schema, with
// what it draws made to pass the accessibility checks every page here passes (static/css/api-docs.css too).
"use strict";

// Swagger UI draws its list of operations as a <main> of its own; inside this page's <main> it is a region.
const fixLandmarks = (root) => {
  root.querySelectorAll("main").forEach((main) => {
    main.setAttribute("role", "region");
    main.setAttribute("aria-label", "Operations");
  });
};

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: false, // a link inside each operation's button is a control inside a control
    persistAuthorization: false,
    // The page's own session reads the schema; requests tried from the page carry only the token given.
    requestInterceptor: (request) => {
      request.credentials = request.url.endsWith(root.dataset.schemaUrl) ? "same-origin" : "omit";
      return request;
    },
    onComplete: () => fixLandmarks(root),
  });
  new MutationObserver(() => fixLandmarks(root)).observe(root, { childList: true, subtree: true });
});
