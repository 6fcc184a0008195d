/* mysteryguest on the tester's phone: drafts, the outbox, skip logic, the offline worker.
   Plain ES2017, no dependencies. The pages work without it; with it a report is kept on the
   device (IndexedDB) until the server has acknowledged it, and never sent twice as two rows
   (the server is idempotent by the report's UUID). */
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const banner = $('#outbox');
  // The page as it arrived (nothing has changed it yet: this deferred script runs first). On a
  // load the service worker did not see, it keeps this copy rather than fetching the page again.
  const arrived = 'serviceWorker' in navigator && !navigator.serviceWorker.controller
    ? '<!doctype html>\n' + document.documentElement.outerHTML : null;
  const text = (key, n) => ((banner && banner.dataset[key]) || '').replace('{n}', n);
  const token = () => ($('meta[name="csrf-token"]') || {}).content || '';

  // --- IndexedDB: stores "outbox" (key uuid) and "drafts" (key user:test) -------------------
  let opened;
  const db = () => opened || (opened = new Promise((resolve, reject) => {
    const request = indexedDB.open('mysteryguest', 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('outbox', { keyPath: 'uuid' });
      request.result.createObjectStore('drafts', { keyPath: 'key' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }));
  const store = async (name, mode, work) => {
    const tx = (await db()).transaction(name, mode);
    const request = work(tx.objectStore(name));
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  };
  const get = (name, key) => store(name, 'readonly', (s) => s.get(key));
  const put = (name, value) => store(name, 'readwrite', (s) => s.put(value));
  const remove = (name, key) => store(name, 'readwrite', (s) => s.delete(key));
  const all = (name) => store(name, 'readonly', (s) => s.getAll());

  const newUuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

  // --- the outbox -------------------------------------------------------------------------
  let sending = false;
  let again = false;
  let delay = 0;
  let timer;
  const listeners = [];

  async function send(item) {
    let response;
    // The device's clock now, at sending: the server compares it with its own to flag a wrong
    // clock (the time of submitting stays in item.created).
    item.body.device_time = new Date().toISOString();
    try {
      response = await fetch(banner.dataset.api, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token() },
        body: JSON.stringify(item.body),
      });
    } catch (error) {
      item.message = text('offline');
      await put('outbox', item);
      return 'retry';
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      await remove('outbox', item.uuid);
      await remove('drafts', item.draftKey);
      item.state = 'sent';
      item.message = data.message || text('sent');
      item.reportUrl = data.report_url;
      // The phone's copy of that page still shows the empty form; fetch the report instead.
      const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) worker.postMessage({ type: 'keep', fresh: true, urls: [item.url, '/tester/'] });
    } else if (response.status === 409 || response.status === 422 || response.status === 404) {
      item.state = { 409: 'conflict', 422: 'invalid', 404: 'blocked' }[response.status];
      item.message = data.message || text('invalid');
      item.errors = data.errors || {};
      item.reportUrl = data.report_url;
      await put('outbox', item);
    } else {
      // Signed out, an old CSRF token, a server error: keep it and try again later. Only the
      // sign-in answer (401) is worded for testers; the others would be English jargon.
      item.message = (response.status === 401 && data.message) || text('failed');
      await put('outbox', item);
      return 'retry';
    }
    listeners.forEach((listener) => listener(item));
    return item.state;
  }

  async function flush(manual) {
    if (!banner) return;
    if (sending) { again = true; return; } // the running round goes once more when done
    sending = true;
    let retry = false;
    try {
      do {
        again = false;
        for (const item of await all('outbox')) {
          if (item.state === 'unsent' || (manual === true && item.state === 'blocked')) {
            if (await send(item) === 'retry') { retry = true; break; }
          }
        }
      } while (again && !retry);
    } finally {
      sending = false;
    }
    clearTimeout(timer);
    // Back off 5 s, 10 s, 20 s … up to 5 minutes while sending fails; no Background Sync needed.
    delay = retry ? Math.min(delay ? delay * 2 : 5000, 300000) : 0;
    if (retry) timer = setTimeout(flush, delay);
    await render();
  }

  async function render() {
    if (!banner) return;
    const items = await all('outbox');
    const unsent = items.filter((item) => item.state !== 'conflict').length;
    banner.hidden = items.length === 0;
    $('#outbox-count', banner).textContent = unsent === 0 ? text('attention')
      : unsent === 1 ? text('one') : text('many', unsent);
    const list = $('.outbox-items', banner);
    list.textContent = '';
    for (const item of items) {
      const li = document.createElement('li');
      li.className = 'outbox-item state-' + item.state;
      const link = document.createElement('a');
      link.href = item.url;
      link.textContent = item.title;
      const state = document.createElement('strong');
      state.textContent = text('state' + item.state[0].toUpperCase() + item.state.slice(1));
      li.append(state, ' · ', link);
      if (item.message) li.append(document.createElement('br'), item.message);
      if (item.state === 'conflict') {
        const dismiss = document.createElement('button');
        dismiss.type = 'button';
        dismiss.className = 'link';
        dismiss.textContent = text('dismiss');
        dismiss.addEventListener('click', () => remove('outbox', item.uuid).then(render));
        li.append(' ', dismiss);
      }
      list.append(li);
    }
    $('[data-send-now]', banner).hidden = unsent === 0;
    $('[data-unsent-help]', banner).hidden = unsent === 0;
    heartbeat(unsent);
  }

  let lastBeat = null;
  function heartbeat(count) {
    const url = banner.dataset.heartbeat;
    if (!url || count === lastBeat) return;
    lastBeat = count;
    let device = localStorage.getItem('mysteryguest-device');
    if (!device) localStorage.setItem('mysteryguest-device', device = newUuid());
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token() },
      body: JSON.stringify({ device_id: device, unsent_count: count }),
    }).catch(() => { lastBeat = null; });
  }

  async function exportUnsent() {
    const reports = await all('outbox');
    const file = JSON.stringify({ format: 'mysteryguest-outbox', version: 1,
      exported_at: new Date().toISOString(), reports }, null, 2);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([file], { type: 'application/json' }));
    link.download = 'mysteryguest-unsent-' + new Date().toISOString().slice(0, 16).replace(/\D/g, '') + '.json';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }

  // --- the report form: skip logic, draft, submit into the outbox ---------------------------
  function answersOf(form, questions) {
    const answers = {};
    for (const id of questions) {
      const group = $('[data-field="' + id + '"]', form);
      if (!group || group.hidden) continue;
      const inputs = $$('[name="' + id + '"]', form);
      let value;
      if (inputs[0] && inputs[0].type === 'checkbox') value = inputs.filter((i) => i.checked).map((i) => i.value);
      else if (inputs[0] && inputs[0].type === 'radio') value = (inputs.find((i) => i.checked) || {}).value;
      else value = inputs[0] && inputs[0].value.trim();
      if (value && value.length) answers[id] = value;
    }
    return answers;
  }

  function fill(form, answers) {
    for (const [id, value] of Object.entries(answers)) {
      for (const input of $$('[name="' + id + '"]', form)) {
        if (input.type === 'checkbox') input.checked = [].concat(value).includes(input.value);
        else if (input.type === 'radio') input.checked = input.value === value;
        else input.value = value;
      }
    }
  }

  function applyRelevance(form) {
    const values = {};
    for (const group of $$('[data-field]', form)) {
      const controller = group.dataset.relevantQuestion;
      if (controller) {
        const allowed = JSON.parse(group.dataset.relevantIn || '[]');
        group.hidden = ![].concat(values[controller] || []).some((v) => allowed.includes(v));
      }
      group.removeAttribute('data-start-hidden');
      const inputs = $$('[name="' + group.dataset.field + '"]', group);
      values[group.dataset.field] = group.hidden ? undefined
        : inputs.filter((i) => i.checked || (i.type !== 'radio' && i.type !== 'checkbox')).map((i) => i.value);
    }
  }

  function showErrors(form, errors) {
    $$('.errors.js', form).forEach((list) => list.remove());
    $$('.has-errors', form).forEach((group) => group.classList.remove('has-errors'));
    let first = null;
    for (const [id, messages] of Object.entries(errors)) {
      const group = $('[data-field="' + id + '"]', form);
      if (!group) continue;
      group.classList.add('has-errors');
      const list = document.createElement('ul');
      list.className = 'errors js';
      list.id = id + '-errors-js';
      messages.forEach((message) => {
        const li = document.createElement('li');
        li.textContent = message;
        list.append(li);
      });
      (group.querySelector('legend, label') || group).after(list);
      const input = $('input, textarea, select', group);
      if (input) {
        input.setAttribute('aria-describedby', list.id);
        first = first || input;
      }
    }
    return first;
  }

  function say(box, message, kind) {
    box.hidden = !message;
    box.className = 'send-status flash flash-' + kind;
    box.textContent = message;
  }

  function lock(form, locked) {
    $$('input, textarea, select, button', form).forEach((input) => {
      if (input.type !== 'hidden') input.disabled = locked;
    });
  }

  async function reportForm(form) {
    const status = $('#send-status');
    const key = form.dataset.draftKey;
    const questions = JSON.parse(form.dataset.questions);
    const pending = (await all('outbox')).find((item) => item.draftKey === key);
    let draft = await get('drafts', key);
    if (pending) {
      fill(form, pending.body.answers);
      draft = draft || { key, uuid: pending.uuid, started: Date.now() };
    } else if (draft) {
      fill(form, draft.answers);
      if (Object.keys(draft.answers).length) say(status, text('restored'), 'info');
    } else {
      draft = { key, uuid: newUuid(), started: Date.now(), answers: {} };
    }
    form.elements.report_uuid.value = draft.uuid;
    applyRelevance(form);
    const show = (item) => {
      if (item.draftKey !== key) return;
      if (item.state === 'sent') {
        say(status, item.message, 'success');
        if (item.reportUrl) setTimeout(() => location.replace(item.reportUrl), 1200);
      } else if (item.state === 'unsent') {
        say(status, text('queued'), 'info');
        lock(form, true);
      } else if (item.state === 'invalid') {
        lock(form, false);
        say(status, text('invalid'), 'error');
        const first = showErrors(form, item.errors || {});
        if (first) first.focus();
      } else {
        say(status, item.message, 'error');
        lock(form, true);
      }
    };
    listeners.push(show);
    if (pending) show(pending);

    const save = () => {
      applyRelevance(form);
      draft.answers = answersOf(form, questions);
      draft.updated = Date.now();
      form.elements.elapsed_seconds.value = Math.round((Date.now() - draft.started) / 1000);
      put('drafts', draft);
    };
    form.addEventListener('input', save);
    form.addEventListener('change', save);

    let submitting = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (submitting) return;
      submitting = true;
      try {
        save();
        const missing = {};
        for (const group of $$('[data-required]', form)) {
          if (!group.hidden && !(group.dataset.field in draft.answers)) missing[group.dataset.field] = [text('required')];
        }
        const first = showErrors(form, missing);
        if (first) {
          say(status, text('invalid'), 'error');
          first.focus();
          return;
        }
        const item = {
          uuid: draft.uuid,
          user: form.dataset.user,
          draftKey: key,
          title: form.dataset.title,
          url: location.pathname,
          state: 'unsent',
          created: new Date().toISOString(),
          body: {
            uuid: draft.uuid,
            test_id: Number(form.dataset.testId),
            instrument: form.dataset.instrument,
            instrument_version: Number(form.dataset.instrumentVersion),
            answers: draft.answers,
            device_time: new Date().toISOString(),
            elapsed_seconds: Math.round((Date.now() - draft.started) / 1000),
          },
        };
        await put('outbox', item);
        show(item);
        say(status, text('sending'), 'info');
        // The tester is at the bottom of a long form; bring the outcome into view.
        status.tabIndex = -1;
        status.focus();
        await flush();
        const left = await get('outbox', item.uuid);
        if (left) show(left);
      } finally {
        submitting = false;
      }
    });
  }

  // --- start ------------------------------------------------------------------------------
  const tester = Boolean(banner && banner.dataset.heartbeat);
  // Testers' phones only (the sign-in page too, so the worker is ready before the first test).
  if ('serviceWorker' in navigator && (tester || location.pathname === '/login')) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
    // Keep the test list and the report form of every listed test for use without a network.
    const urls = [location.pathname, ...$$('a[data-offline]').map((a) => a.pathname)];
    // The list, and the help page (it says to call 112 even without a connection).
    if (tester) urls.push('/tester/', '/tester/incident');
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active && tester) {
        registration.active.postMessage({ type: 'keep', current: location.href, html: arrived, urls: Array.from(new Set(urls)) });
      }
    });
    const signout = $('form[data-signout]');
    if (signout) {
      signout.addEventListener('submit', () => {
        if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: 'forget' });
      });
    }
  }
  if (banner && window.indexedDB) {
    $('[data-send-now]', banner).addEventListener('click', () => flush(true));
    $('[data-export]', banner).addEventListener('click', exportUnsent);
    window.addEventListener('online', flush);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') flush();
    });
    const form = $('form[data-outbox]');
    (form ? reportForm(form) : Promise.resolve()).then(flush);
  }
  // A form that cannot wait in the outbox (help / incident): say so at once when offline,
  // instead of the browser's own error page.
  for (const form of $$('form[data-needs-network]')) {
    form.addEventListener('submit', async (event) => {
      const note = $('[data-offline-note]');
      if (!note) return;
      event.preventDefault();
      try {
        await fetch('/healthz', { cache: 'no-store' }); // navigator.onLine is not to be trusted
        form.submit();
      } catch (error) {
        note.hidden = false;
        note.scrollIntoView();
      }
    });
  }
  if (tester) {
    // Ask the browser not to evict the outbox under storage pressure, and suggest installing:
    // Safari clears a site's storage after 7 days without a visit unless it is on the home screen.
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    const hint = $('[data-install-hint]');
    const installed = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone;
    if (hint && !installed) hint.hidden = false;
  }
  const questions = $('form[data-outbox]');
  if (questions) applyRelevance(questions);
})();
