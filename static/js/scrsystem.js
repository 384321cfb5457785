/* A table too wide for the screen scrolls inside its own region (.table-responsive, or .table-scroll in the board
   report). While it does, the region gets a tab stop, the role "region" and a name (its table's caption), so that
   it can be scrolled from the keyboard too and a screen reader says what it is; when it fits, it gets none of
   these, and the pages need this script for nothing else. */
(function () {
  "use strict";

  function tableName(table) {
    var caption = table && table.querySelector("caption");
    var text = caption ? caption.textContent : table && table.getAttribute("aria-label");
    var labelledBy = table && table.getAttribute("aria-labelledby");
    if (!text && labelledBy && document.getElementById(labelledBy)) {
      text = document.getElementById(labelledBy).textContent;
    }
    return (text || "Table").replace(/\s+/g, " ").trim();
  }

  function update() {
    document.querySelectorAll(".table-responsive, .table-scroll").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", tableName(region.querySelector("table")) + " (scrolls sideways)");
      } else if (region.hasAttribute("tabindex")) {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    });
  }

  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 150);
  });
  // A table in a <details> box has no width until the box is opened.
  document.addEventListener("toggle", update, true);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
