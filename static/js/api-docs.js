// The API docs page: Swagger UI (drf-spectacular-sidecar's copy, served by the app) over the app's own schema, with
// what it draws made to pass the accessibility checks every page here passes (static/css/api-docs.css too).
"use strict";

// What Swagger UI draws without, added each time it draws: a name for each parameter's control and for the
// dialog's close button, keyboard access to each block of code that scrolls, and its list of operations as a region
// of this page's <main>.
const fixAccessibility = (root) => {
  root.querySelectorAll("main").forEach((main) => {
    main.setAttribute("role", "region");
    main.setAttribute("aria-label", "Operations");
  });
  root.querySelectorAll("tr[data-param-name]").forEach((row) => {
    row.querySelectorAll("select, input, textarea").forEach((control) => {
      if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", row.dataset.paramName);
    });
  });
  root.querySelectorAll("textarea:not([aria-label])").forEach((box) => box.setAttribute("aria-label", "Request body"));
  root.querySelectorAll(".close-modal:not([aria-label])").forEach((button) => button.setAttribute("aria-label", "Close"));
  root.querySelectorAll("pre, .microlight, .curl").forEach((block) => {
    if (!block.hasAttribute("tabindex")) block.setAttribute("tabindex", "0");
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
    syntaxHighlight: { activated: false }, // its colours are too faint to read on its dark background
    // The page's own session reads the schema; requests tried from the page carry only the token given.
    requestInterceptor: (request) => {
      request.credentials = request.url.endsWith(root.dataset.schemaUrl) ? "same-origin" : "omit";
      return request;
    },
    onComplete: () => fixAccessibility(root),
  });
  new MutationObserver(() => fixAccessibility(root)).observe(root, { childList: true, subtree: true });
});
