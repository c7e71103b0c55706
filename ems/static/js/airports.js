// Airport type-ahead: fills a <datalist> for inputs marked data-airport from /travel/airports.
// The form works without it: the server checks codes and suggests close matches.
(function () {
  "use strict";
  var endpoint = document.documentElement.getAttribute("data-airports-url");
  if (!endpoint || !window.fetch) { return; }
  var counter = 0;
  function attach(input) {
    var list = document.createElement("datalist");
    list.id = "airport-options-" + (counter += 1);
    input.setAttribute("list", list.id);
    input.parentNode.appendChild(list);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(endpoint + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (airports) {
            list.textContent = "";
            airports.forEach(function (airport) {
              var option = document.createElement("option");
              option.value = airport.code;
              option.label = airport.label;
              option.textContent = airport.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* the server-side check still applies */ });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-airport]").forEach(attach);
}());
