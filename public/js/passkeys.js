/*
 * Passkey ceremonies: the one part of Ledgerly that needs script, because WebAuthn is a browser API. Each form
 * stays hidden until this script shows it, so a browser without script (or without WebAuthn) never sees a button
 * that cannot work; the password form is always there. @simplewebauthn/browser (served from our origin) turns the
 * server's options into the browser's calls and back. Posts are urlencoded like every form, with the CSRF token.
 */
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;

  function post(url, form, extra) {
    var body = new URLSearchParams(new FormData(form));
    Object.keys(extra || {}).forEach(function (key) { body.set(key, extra[key]); });
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) {
          var failure = new Error(data.error || 'Request failed');
          failure.field = data.field;
          throw failure;
        }
        return data;
      });
    });
  }

  function wire(form, optionsUrl, run) {
    var error = form.querySelector('[data-passkey-error]');
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      error.hidden = true;
      Array.prototype.forEach.call(form.querySelectorAll('[data-passkey-field]'), function (field) {
        field.removeAttribute('aria-invalid');
        field.removeAttribute('aria-describedby');
      });
      var button = form.querySelector('button[type=submit]');
      button.disabled = true;
      post(optionsUrl, form)
        .then(function (options) { return run({ optionsJSON: options }); })
        .then(function (answer) { return post(form.action, form, { response: JSON.stringify(answer) }); })
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (err) {
          error.textContent = err && err.name === 'NotAllowedError' ? form.getAttribute('data-cancelled') || err.message : err.message;
          error.hidden = false;
          button.disabled = false;
          // A refused field (the password) is marked and focused, its message read with it.
          var field = err && err.field && form.querySelector('[data-passkey-field="' + err.field + '"]');
          if (field) {
            field.setAttribute('aria-invalid', 'true');
            field.setAttribute('aria-describedby', error.id);
            field.focus();
          } else {
            // No field at fault (cancelled, or the server could not start): the disabled button had taken focus with
            // it to the page's body. Back on the button, to try again; the message is an alert and is read anyway.
            button.focus();
          }
        });
    });
  }

  var add = document.querySelector('[data-passkey-add]');
  if (add) wire(add, '/account/passkeys/options', lib.startRegistration);
  var signIn = document.querySelector('[data-passkey-signin]');
  if (signIn) wire(signIn, '/login/passkey/options', lib.startAuthentication);
})();
