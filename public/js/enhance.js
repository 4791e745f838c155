// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Once a form is submitted, disable its submit button so a double click cannot post twice.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = form.querySelector('button[type="submit"]');
    if (!button) return;
    setTimeout(function () { button.disabled = true; }, 0);
  });
  // Move focus to the first invalid field so keyboard and screen-reader users land on the problem.
  document.addEventListener('DOMContentLoaded', function () {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid && typeof invalid.focus === 'function') invalid.focus();
  });
})();
