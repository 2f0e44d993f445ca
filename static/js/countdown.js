// Countdown on the public campaign page: turns <time data-countdown datetime="…"> into "3 d 04:05:06".
// Without JavaScript the element keeps the date and time it was rendered with.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // the day unit in the page's language comes from the element: data-days="{days} 天" (no inline script)
  function tick(el, target) {
    var left = Math.max(0, Math.floor((target - Date.now()) / 1000));
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var days = (el.getAttribute("data-days") || "{days} d").replace("{days}", String(d));
    el.textContent = (d > 0 ? days + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    return left > 0;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var els = document.querySelectorAll("time[data-countdown]");
    Array.prototype.forEach.call(els, function (el) {
      var target = Date.parse(el.getAttribute("datetime"));
      if (isNaN(target)) { return; }
      el.setAttribute("title", el.textContent);
      if (tick(el, target)) {
        var timer = setInterval(function () { if (!tick(el, target)) { clearInterval(timer); } }, 1000);
      }
    });
  });
}());
