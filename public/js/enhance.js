// Progressive enhancement only: every page works without this file.

/**
 * An amount in cents written exactly as the server writes it (money.writing() in src/domain/money.ts: its currency
 * sign, separators, groups, digits and true minus sign), not by the browser's Intl, whose data can differ (Chromium
 * writes "грн" where the server writes "₴"). Outside the block below so test/unit/money.test.ts runs this very code.
 */
function ledgerlyWriteAmount(writing, cents) {
  var abs = Math.abs(cents);
  var whole = String(Math.floor(abs / 100));
  var fraction = String(abs % 100).padStart(2, '0');
  var grouped = whole;
  if (writing.group && whole.length >= writing.minimumGroupedDigits) {
    var groups = [whole.slice(-writing.primaryGroup)];
    var rest = whole.slice(0, -writing.primaryGroup);
    while (rest.length > writing.secondaryGroup) {
      groups.unshift(rest.slice(-writing.secondaryGroup));
      rest = rest.slice(0, -writing.secondaryGroup);
    }
    if (rest) groups.unshift(rest);
    grouped = groups.join(writing.group);
  }
  var digits = function (text) { return text.replace(/[0-9]/g, function (d) { return writing.digits.charAt(Number(d)); }); };
  var sign = cents < 0 ? writing.negative : writing.positive;
  return sign.before + digits(grouped) + writing.decimal + digits(fraction) + sign.after;
}

(function () {
  'use strict';
  // Once a form is submitted, disable every button that submits it (the one pressed, as Skip beside Post now, and
  // one outside it naming it with form=) so a double click cannot post twice; after the tick, so the pressed one's
  // name and value still go. They come back if the page is shown again from the back-forward cache, or if the
  // navigation was stopped and the page is still here after a while.
  var submitting = [];
  var release = function () {
    submitting.forEach(function (b) { b.disabled = false; });
    submitting = [];
  };
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var buttons = Array.prototype.filter.call(form.elements, function (el) {
      return (el instanceof HTMLButtonElement || el instanceof HTMLInputElement) && el.type === 'submit' && !el.disabled;
    });
    if (buttons.length === 0) return;
    setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
      submitting = submitting.concat(buttons);
      setTimeout(release, 10000);
    }, 0);
  });
  window.addEventListener('pageshow', function (event) { if (event.persisted) release(); });
  // Reconciling: the cleared balance and the difference follow the ticks at once (the Update button does the same
  // without script). Amounts are whole cents; only the display divides them.
  document.addEventListener('change', function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
    var form = box.closest('form.reconcile');
    if (!form) return;
    var base = Number(form.getAttribute('data-cleared'));
    var statement = Number(form.getAttribute('data-statement'));
    var cleared = base;
    form.querySelectorAll('input[type="checkbox"][data-cents]').forEach(function (input) {
      var cents = Number(input.getAttribute('data-cents'));
      if (input.checked !== input.defaultChecked) cleared += input.checked ? cents : -cents;
    });
    // Written as the server writes amounts (ledgerlyWriteAmount, above).
    var writing = JSON.parse(form.getAttribute('data-money-writing'));
    var show = function (cents) { return ledgerlyWriteAmount(writing, cents); };
    var clearedCell = form.querySelector('[data-reconcile="cleared"]');
    var differenceCell = form.querySelector('[data-reconcile="difference"]');
    if (clearedCell) {
      clearedCell.textContent = show(cleared);
      var clearedTile = clearedCell.closest('.total');
      if (clearedTile) clearedTile.classList.toggle('total--negative', cleared < 0);
    }
    if (differenceCell) {
      differenceCell.textContent = show(statement - cleared);
      var tile = differenceCell.closest('.total');
      if (tile) tile.classList.toggle('total--negative', statement !== cleared);
    }
    var status = form.querySelector('[data-reconcile="status"]');
    if (status) status.textContent = status.getAttribute(statement === cleared ? 'data-balanced' : 'data-off');
    // One sentence is announced, whole (aria-atomic), rather than each changed number on its own.
    var announce = form.querySelector('[data-reconcile="announce"]');
    if (announce) {
      announce.textContent = announce.getAttribute(statement === cleared ? 'data-balanced' : 'data-off')
        .replace('{amount}', show(statement - cleared)).replace('{cleared}', show(cleared));
    }
  });
  // Switching language before signing in reloads the page: the email typed so far comes back with it (a password
  // never does; it is retyped). Kept in this tab only, and forgotten as soon as the next page reads it.
  var KEPT_EMAIL = 'ledgerly:typed-email';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest('.language-switch')) return;
    var email = document.querySelector('input[type="email"][name="email"]');
    try {
      if (email && email.value) sessionStorage.setItem(KEPT_EMAIL, email.value);
    } catch (e) { /* storage off: the email is typed again */ }
  });
  document.addEventListener('DOMContentLoaded', function () {
    try {
      var kept = sessionStorage.getItem(KEPT_EMAIL);
      sessionStorage.removeItem(KEPT_EMAIL);
      var email = document.querySelector('input[type="email"][name="email"]');
      if (kept && email && !email.value) email.value = kept;
    } catch (e) { /* storage off */ }
  });
  // The phone menu (a details element) closes the way a menu does: with Escape, focus back on its button, or with a
  // tap anywhere outside it.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var menu = document.querySelector('.site-menu[open]');
    if (!menu) return;
    menu.open = false;
    var toggle = menu.querySelector('summary');
    if (toggle) toggle.focus();
  });
  document.addEventListener('click', function (event) {
    var menu = document.querySelector('.site-menu[open]');
    if (menu && event.target instanceof Node && !menu.contains(event.target)) menu.open = false;
  });
  // Tabbing on past its last place closes it too: the next control would otherwise be focused under the open menu.
  document.addEventListener('focusout', function (event) {
    var menu = document.querySelector('.site-menu[open]');
    if (!menu || !menu.contains(event.target)) return;
    var next = event.relatedTarget;
    if (next instanceof Node && !menu.contains(next)) menu.open = false;
  });
  // A report table's amounts scroll under its sticky names column. The CSS gives each link a scroll margin as wide as
  // the column, but Chromium scrolls a focused element only when it is wholly out of view, so one half under the names
  // stayed there (WCAG 2.4.11), as did one a few pixels in view with its middle beyond the window's edge (no element
  // there at all). Asked again here, the browser brings it clear of them.
  document.addEventListener('focusin', function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement) || !el.closest('.report-scroll')) return;
    var box = el.getBoundingClientRect();
    var top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!top || (top !== el && !el.contains(top))) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  });
  /** The place named by the address's fragment, when a page marked it as one to come back to: its marked control, or itself. */
  function returnPlace() {
    var id = location.hash ? decodeURIComponent(location.hash.slice(1)) : '';
    var place = id ? document.getElementById(id) : null;
    if (!place || !place.hasAttribute('data-return-place')) return null;
    return place.querySelector('[data-return-focus]') || place;
  }
  /**
   * Where focus belongs once a page has loaded: the first invalid field, so keyboard and screen-reader users land on
   * the problem. A problem with a group of fields (a rule's conditions) takes the group's first control; one with no
   * field (an upload refused whole) takes the summary that says what went wrong. With no form problem, after an
   * action, focus goes back where the person was (the address's fragment: a register row, the dashboard's add form),
   * else to the message saying what happened, not to the top of the page. The message also leads the page title, so
   * it is heard either way.
   */
  function focusPlace() {
    var place = document.querySelector('[aria-invalid="true"]') ||
      document.querySelector('.field--invalid input:not([type="hidden"]), .field--invalid select, .field--invalid textarea') ||
      document.querySelector('.form__summary') || returnPlace() || document.querySelector('.flash');
    if (place && !place.matches('input, select, textarea, button, a[href]')) place.setAttribute('tabindex', '-1');
    return place;
  }
  document.addEventListener('DOMContentLoaded', function () {
    var place = focusPlace();
    if (place && typeof place.focus === 'function') place.focus();
  });
  // Chromium scrolls to the fragment after that, and clears focus when its target (a table row, the dashboard's add
  // section) cannot take it: the same place is focused again once the page has loaded, if nothing else has focus by
  // then. (A refused quick add comes back at /transactions#add: its amount, not the section, is focused again.)
  window.addEventListener('load', function () {
    if (!location.hash) return;
    var place = focusPlace();
    if (place && document.activeElement === document.body && typeof place.focus === 'function') place.focus();
  });
})();
