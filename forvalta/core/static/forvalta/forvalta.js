// Forvalta's own script (the Content-Security-Policy forbids inline scripts). Every
// page works without it; it only moves the focus and copies text.
(function () {
  "use strict";

  // After a failed submit the error summary (id "fel") takes the focus, also when
  // htmx swapped the page in (autofocus covers a full page load without script).
  function focusErrors() {
    var summary = document.getElementById("fel");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  // A "copy" button next to a read-only field: <button data-copy="field-id">.
  function copyFrom(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    field.focus();
    field.select();
    var done = function () {
      var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
      if (status) {
        status.textContent = button.getAttribute("data-copied") || "";
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  }

  // A filter's errors arrive out of band in an htmx answer: mark its field invalid
  // (and described by them) while they are there, as the server does on a full page.
  function syncFilterErrors() {
    document.querySelectorAll(".field-errors[data-field]").forEach(function (box) {
      var field = document.getElementById(box.getAttribute("data-field"));
      if (!field) {
        return;
      }
      var refs = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (r) {
        return r && r !== box.id;
      });
      var wrapper = box.closest(".field");
      if (box.children.length) {
        field.setAttribute("aria-invalid", "true");
        refs.push(box.id);
        if (wrapper) {
          wrapper.classList.add("field-has-error");
        }
      } else {
        field.removeAttribute("aria-invalid");
        if (wrapper) {
          wrapper.classList.remove("field-has-error");
        }
      }
      if (refs.length) {
        field.setAttribute("aria-describedby", refs.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
    });
  }

  // A table's scroll region is a tab stop only while the table is wider than it (the
  // server renders every region focusable, for pages without this script).
  function tabStopsWhereTablesScroll() {
    document.querySelectorAll(".table-wrap[role=region]").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("tabindex", "0");
      } else {
        region.removeAttribute("tabindex");
      }
    });
  }

  function setUp(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
    root.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    tabStopsWhereTablesScroll();
    focusErrors();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    setUp(event.target);
    syncFilterErrors();
    tabStopsWhereTablesScroll();
    focusErrors();
  });
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(tabStopsWhereTablesScroll, 150);
  });
})();
