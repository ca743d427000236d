// Progressive enhancement: keep the "time left" on a proposal form current while it is open.
// Without JavaScript the server-rendered text and the server-side deadline check still hold.
// The words come translated from the page (data attributes), so this file has no texts of its own.
(function () {
  "use strict";
  var box = document.getElementById("deadline");
  if (!box) { return; }
  var deadline = new Date(box.getAttribute("data-deadline"));
  var left = box.querySelector(".deadline-box__left");
  var warned = false;
  function update() {
    var seconds = (deadline.getTime() - Date.now()) / 1000;
    if (seconds <= 0) { left.textContent = box.getAttribute("data-passed"); return; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 120) {
      left.textContent = box.getAttribute("data-minutes-left").replace("{n}", String(minutes));
    }
    if (seconds < 600 && !warned) {
      warned = true;
      box.classList.add("deadline-box--urgent");
      var p = document.createElement("p");
      p.setAttribute("role", "alert");
      p.textContent = box.getAttribute("data-soon");
      box.appendChild(p);
    }
  }
  update();
  window.setInterval(update, 30000);
})();
