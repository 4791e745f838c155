// Progressive enhancement of the import progress page: without this file the page stays still and its Check progress
// link reads it again. With it, the same page is read in the background once a second and only its bar and counts
// change, so focus stays where it is and a screen reader is not restarted (the Refresh header did both, WCAG 2.2.2).
// Only a new phase is announced (politely); when the import ends, the result replaces the page and takes focus.
(function () {
  'use strict';
  var POLL_MS = 1000;
  var section = document.querySelector('[data-import-running]');
  if (!section || typeof window.fetch !== 'function' || typeof window.DOMParser !== 'function') return;
  var hint = section.querySelector('[data-live-hint]');
  var check = section.querySelector('[data-check-progress]');
  var announce = section.querySelector('[data-import-announce]');
  // The page now does update itself: say so; the link is not needed (it comes back if the server cannot be reached).
  if (hint) hint.textContent = hint.getAttribute('data-live-hint');
  if (check) check.parentElement.hidden = true;

  function showLatest(latest) {
    var bar = section.querySelector('progress');
    var label = section.querySelector('label');
    var newBar = latest.querySelector('progress');
    var newLabel = latest.querySelector('label');
    if (bar && newBar) {
      // A bar without max/value is indeterminate (waiting, or saving in one step): copy exactly what the server wrote.
      ['max', 'value'].forEach(function (name) {
        if (newBar.hasAttribute(name)) bar.setAttribute(name, newBar.getAttribute(name));
        else bar.removeAttribute(name);
      });
      bar.textContent = newBar.textContent;
    }
    if (label && newLabel) label.textContent = newLabel.textContent;
    var phase = latest.getAttribute('data-phase');
    if (phase !== section.getAttribute('data-phase')) {
      section.setAttribute('data-phase', phase);
      if (announce && newLabel) announce.textContent = newLabel.textContent;
    }
  }

  function showResult(doc) {
    var main = document.querySelector('main');
    var newMain = doc.querySelector('main');
    if (!main || !newMain) return location.reload();
    document.title = doc.title;
    main.replaceChildren.apply(main, Array.prototype.map.call(newMain.childNodes, function (node) {
      return document.importNode(node, true);
    }));
    var heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }

  function poll() {
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (response) {
        // Signed out, or the import is gone: a full load shows that page as it is.
        if (!response.ok || response.redirected) return location.assign(response.url);
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var latest = doc.querySelector('[data-import-running]');
          if (!latest) return showResult(doc);
          showLatest(latest);
          setTimeout(poll, POLL_MS);
        });
      })
      .catch(function () {
        // The server could not be reached: the link reads the page again whenever the person chooses.
        if (check) check.parentElement.hidden = false;
        setTimeout(poll, POLL_MS * 5);
      });
  }
  setTimeout(poll, POLL_MS);
})();
