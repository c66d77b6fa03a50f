// Progressive enhancement only: every page works without this file.
// A search box with data-filter="<selector>" hides the matching elements
// whose text does not contain what is typed (case and umlaut folded).
(function () {
  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
  }
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var box = input.closest("[hidden]");
    if (box) box.hidden = false;
    var items = document.querySelectorAll(input.dataset.filter);
    var none = document.getElementById(input.id.replace(/-filter$/, "-nomatch"));
    input.addEventListener("input", function () {
      var q = fold(input.value.trim()), shown = 0;
      items.forEach(function (el) {
        var hit = q === "" || fold(el.textContent).indexOf(q) >= 0;
        el.hidden = !hit;
        if (hit) shown++;
      });
      if (none) none.hidden = shown > 0;
      // A group heading without a visible entry goes too.
      document.querySelectorAll("[data-group]").forEach(function (g) {
        g.hidden = !g.querySelector(input.dataset.filter + ":not([hidden])");
      });
    });
  });
})();
