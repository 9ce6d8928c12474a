// synth fact sheet: quote pop-ups for citation markers, jump-to-quote, the status filter.
// Plain DOM, no libraries, no network. The page's CSP allows this script by its hash only.
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  root.classList.add("js");

  // --- Quote pop-ups -------------------------------------------------------------------------
  var pop = doc.getElementById("pop");
  var current = null;
  var pinned = false;
  var hideTimer = 0;
  var canHover = window.matchMedia && window.matchMedia("(hover: hover)").matches;

  function cardsFor(marker) {
    var fragment = doc.createDocumentFragment();
    (marker.getAttribute("data-claims") || "").split(" ").forEach(function (id) {
      var template = id ? doc.getElementById("card-" + id) : null;
      if (template && template.content) fragment.appendChild(template.content.cloneNode(true));
    });
    return fragment;
  }

  function place(marker) {
    var box = marker.getBoundingClientRect();
    var width = pop.offsetWidth;
    var height = pop.offsetHeight;
    var viewport = root.clientWidth;
    var left = Math.max(8, Math.min(box.left, viewport - width - 8));
    var top = box.bottom + 8;
    if (top + height > window.innerHeight - 8 && box.top - height - 8 > 0) top = box.top - height - 8;
    pop.style.left = Math.round(left + window.scrollX) + "px";
    pop.style.top = Math.round(top + window.scrollY) + "px";
  }

  function show(marker, pin) {
    clearTimeout(hideTimer);
    var cards = cardsFor(marker);
    if (!cards.childNodes.length) return;
    if (current && current !== marker) current.setAttribute("aria-expanded", "false");
    pop.replaceChildren(cards);
    pop.hidden = false;
    pop.classList.toggle("pinned", pin);
    current = marker;
    pinned = pin;
    marker.setAttribute("aria-expanded", "true");
    place(marker);
  }

  function hide() {
    clearTimeout(hideTimer);
    pop.hidden = true;
    if (current) current.setAttribute("aria-expanded", "false");
    current = null;
    pinned = false;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { if (!pinned) hide(); }, 220);
  }

  function markerOf(target) {
    return target && target.closest ? target.closest(".cite") : null;
  }

  doc.addEventListener("click", function (event) {
    var marker = markerOf(event.target);
    if (marker) {
      event.preventDefault();
      if (pinned && current === marker) hide();
      else show(marker, true);
      return;
    }
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (link) flash(link.getAttribute("href"));
    if (pop.contains(event.target)) {
      if (link) hide();
      return;
    }
    if (!pop.hidden) hide();
  });

  if (canHover) {
    doc.addEventListener("mouseover", function (event) {
      var marker = markerOf(event.target);
      if (marker && !pinned) show(marker, false);
    });
    doc.addEventListener("mouseout", function (event) {
      if (markerOf(event.target) && !pinned) hideSoon();
    });
    pop.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    pop.addEventListener("mouseleave", function () { if (!pinned) hideSoon(); });
  }
  var refocusing = false;  // focus handed back by Escape must not reopen the pop-up
  doc.addEventListener("focusin", function (event) {
    var marker = markerOf(event.target);
    if (refocusing) refocusing = false;
    else if (marker && !pinned) show(marker, false);
  });
  doc.addEventListener("focusout", function (event) {
    if (markerOf(event.target) && !pinned) hideSoon();
  });
  doc.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !pop.hidden) {
      var marker = current;
      var inside = pop.contains(doc.activeElement);
      hide();
      if (marker && inside) {
        refocusing = true;
        marker.focus();
      }
    }
  });
  window.addEventListener("resize", function () { if (current && !pop.hidden) place(current); });

  // --- Jump to a quote: light up every highlighted piece of it --------------------------------
  var lit = [];
  function flash(hash) {
    if (!hash || hash.indexOf("#q-") !== 0) return;
    var id = decodeURIComponent(hash.slice(3));
    lit.forEach(function (element) { element.classList.remove("flash"); });
    lit = Array.prototype.slice.call(
      doc.querySelectorAll("mark[data-claims~=\"" + CSS.escape(id) + "\"]"));
    lit.forEach(function (element) {
      element.classList.remove("flash");
      void element.offsetWidth;  // restart the animation when the same quote is chosen again
      element.classList.add("flash");
    });
  }
  window.addEventListener("hashchange", function () { flash(location.hash); });
  flash(location.hash);

  // --- Status filter ------------------------------------------------------------------------
  var table = doc.getElementById("facts-table");
  var note = doc.getElementById("filter-status");
  var buttons = Array.prototype.slice.call(doc.querySelectorAll("button[data-filter]"));

  function applyFilter(status) {
    var rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
    var shown = 0;
    rows.forEach(function (row) {
      var keep = status === "all" || row.getAttribute("data-status") === status;
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-filter") === status));
    });
    if (note) {
      note.textContent = status === "all" ? "" :
        "Showing " + shown + " of " + rows.length + " facts. ";
      if (status !== "all") {
        var reset = doc.createElement("button");
        reset.type = "button";
        reset.className = "linkish";
        reset.textContent = "Show all";
        reset.addEventListener("click", function () { applyFilter("all"); });
        note.appendChild(reset);
      }
    }
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { applyFilter(button.getAttribute("data-filter")); });
  });
  Array.prototype.forEach.call(doc.querySelectorAll("[data-filter-link]"), function (link) {
    link.addEventListener("click", function () { applyFilter(link.getAttribute("data-filter-link")); });
  });
})();
