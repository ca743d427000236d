// Progressive enhancement: keep the "time left" on a proposal form current while it is open.
// Without JavaScript the server-rendered text and the server-side deadline check still hold.
(function () {
  "use strict";
  var box = document.getElementById("deadline");
  if (!box) { return; }
  var deadline = new Date(box.getAttribute("data-deadline"));
  var left = box.querySelector(".deadline-box__left");
  var lang = document.documentElement.lang || "nl";
  var words = lang === "en"
    ? { passed: "deadline passed", min: "minutes left", hour: "hours left", soon: "Less than 10 minutes left: submit now." }
    : { passed: "deadline verstreken", min: "minuten", hour: "uur", soon: "Nog minder dan 10 minuten: dien nu in." };
  var warned = false;
  function update() {
    var seconds = (deadline.getTime() - Date.now()) / 1000;
    if (seconds <= 0) { left.textContent = words.passed; return; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 120) {
      left.textContent = lang === "en" ? minutes + " " + words.min : "nog " + minutes + " " + words.min;
    }
    if (seconds < 600 && !warned) {
      warned = true;
      box.classList.add("deadline-box--urgent");
      var p = document.createElement("p");
      p.setAttribute("role", "alert");
      p.textContent = words.soon;
      box.appendChild(p);
    }
  }
  update();
  window.setInterval(update, 30000);
})();
