/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  function onReady(root) {
    // Bulk selection on the queue: "select all", row highlight, live count, fields per action.
    root.querySelectorAll("[data-bulk-form]").forEach(function (form) {
      var all = form.querySelector("[data-select-all]");
      var boxes = function () { return form.querySelectorAll("input[name=tickets]"); };
      var count = form.querySelector("[data-selected-count]");
      var refresh = function () {
        var n = 0;
        boxes().forEach(function (b) {
          b.closest("tr").classList.toggle("selected", b.checked);
          if (b.checked) { n += 1; }
        });
        if (count) { count.textContent = n; }
        if (all) { all.checked = n > 0 && n === boxes().length; }
      };
      if (all) {
        all.addEventListener("change", function () {
          boxes().forEach(function (b) { b.checked = all.checked; });
          refresh();
        });
      }
      form.addEventListener("change", function (e) {
        if (e.target.name === "tickets") { refresh(); }
      });
      var action = form.querySelector("select[name=action]");
      var showFor = function () {
        form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
          var wanted = el.getAttribute("data-bulk-for").split(" ");
          el.classList.toggle("d-none", wanted.indexOf(action.value) === -1);
        });
      };
      if (action) { action.addEventListener("change", showFor); showFor(); }
      refresh();
    });

    // Compose box: the work-log kind only for work-log entries; tint by kind.
    root.querySelectorAll("[data-compose]").forEach(function (form) {
      var update = function () {
        var checked = form.querySelector("input[name=kind]:checked");
        var kind = checked ? checked.value : "reply";
        form.classList.remove("kind-reply", "kind-note", "kind-worklog");
        form.classList.add("kind-" + kind);
        var wl = form.querySelector("[data-worklog-kind]");
        if (wl) { wl.classList.toggle("d-none", kind !== "worklog"); }
      };
      form.addEventListener("change", update);
      update();
    });

    // Status change: ask for a reason when the chosen move needs one.
    root.querySelectorAll("[data-transition]").forEach(function (form) {
      var needs = (form.getAttribute("data-reason-needed") || "").split(" ");
      var select = form.querySelector("select[name=to]");
      var reason = form.querySelector("input[name=reason]");
      var update = function () {
        if (select && reason) { reason.required = needs.indexOf(select.value) !== -1; }
      };
      if (select) { select.addEventListener("change", update); update(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { onReady(document); });
  document.addEventListener("htmx:afterSettle", function (e) { onReady(e.target); });
})();
