/* mysteryguest on the tester's phone: drafts, the outbox, skip logic, the offline worker.
   Plain ES2017, no dependencies. The pages work without it; with it a report (or an incident) is
   kept on the phone (IndexedDB) until the server has acknowledged it, never sent twice as two rows
   (the server is idempotent by UUID), and only ever sent in a session of the tester who wrote it:
   on a shared phone the next tester neither sends nor sees it.
   Engines: tested on Chromium, Firefox (Gecko) and WebKit; whatever one lacks is feature-detected
   (storage.persist, crypto.randomUUID, service workers, the Cache API). */
'use strict';
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const banner = $('#outbox');
  const meta = $('meta[name="mg-user"]');
  // Who is signed in (no meta: nobody, e.g. the sign-in page).
  const me = meta ? { id: Number(meta.content), username: meta.dataset.username, role: meta.dataset.role } : null;
  const tester = Boolean(me && me.role === 'tester' && banner);
  const worker = 'serviceWorker' in navigator ? navigator.serviceWorker : null;
  // The page as it arrived, on a load the service worker did not see (the first one): it keeps
  // this copy rather than downloading the page a second time.
  const arrived = worker && !worker.controller ? '<!doctype html>\n' + document.documentElement.outerHTML : null;
  // Every word shown here comes from fieldwork/api/phone_texts.py, in the page's language
  // (the server writes the table in when it serves this file).
  const TEXT = __TEXT__;
  const text = (key, n) => (TEXT[key] || '').replace('{n}', n);
  const token = () => ($('meta[name="csrf-token"]') || {}).content || '';
  // A note the page holds a place for: its words, shown or not.
  const show = (note, key, shown) => {
    if (!note) return;
    note.textContent = text(key);
    note.hidden = !shown;
  };
  const DAY = 864e5;
  // Answers the server gives once and for all: keep the item, show why, offer export, no retry.
  const FINAL = ['study_closed', 'author_mismatch', 'author_not_in_team', 'foreign_report'];
  const OPEN = ['unsent', 'invalid', 'blocked', 'refused'];
  const local = (key, value) => {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (error) { /* storage switched off: nothing to remember */ }
    return value;
  };

  // --- IndexedDB: stores "outbox" (key uuid) and "drafts" (key "user id:test id") ------------
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
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  };
  const get = (name, key) => store(name, 'readonly', (s) => s.get(key));
  const put = (name, value) => store(name, 'readwrite', (s) => s.put(value));
  const remove = (name, key) => store(name, 'readwrite', (s) => s.delete(key));
  const all = (name) => store(name, 'readonly', (s) => s.getAll());

  // An item or draft belongs to the tester who wrote it. Items kept before authors were
  // recorded carry only the username.
  const mine = (item) => Boolean(me) && (item.author ? item.author.user_id === me.id : item.user === me.username);
  const own = async () => (await all('outbox')).filter(mine);

  const newUuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));
  const device = () => local('mysteryguest-device') || local('mysteryguest-device', newUuid());

  // --- the outbox -------------------------------------------------------------------------
  let sending = false;
  let again = false;
  let delay = 0;
  let timer;
  const listeners = [];
  const told = (item) => listeners.forEach((listener) => listener(item));

  async function send(item) {
    const body = Object.assign({}, item.body, { device_time: new Date().toISOString() });
    // A report says whose it is (the contract's "author" and "team"); an incident says only what.
    if (item.author && item.kind !== 'incident') Object.assign(body, { author: item.author.user_id, team: item.author.team || undefined });
    let response;
    try {
      response = await fetch(item.api || banner.dataset.api, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token() },
        body: JSON.stringify(body),
      });
    } catch (error) {
      item.message = text('offline');
      await put('outbox', item);
      return 'retry';
    }
    const data = await response.json().catch(() => ({}));
    item.reportUrl = data.report_url || item.reportUrl;
    if (response.ok) {
      await remove('outbox', item.uuid);
      if (item.draftKey) await remove('drafts', item.draftKey);
      item.state = 'sent';
      item.message = data.message || text('sent');
      item.received = data.received_at;
      // The phone's copy of that page still shows the empty form; keep the report instead.
      if (worker && worker.controller && item.url) worker.controller.postMessage({ type: 'keep', fresh: true, urls: [item.url, '/tester/'] });
    } else if (response.status === 409 && FINAL.includes(data.error)) {
      item.state = 'refused';
      item.message = data.message || text('failed');
      await put('outbox', item);
    } else if ([404, 409, 422].includes(response.status)) {
      item.state = { 409: 'conflict', 422: 'invalid', 404: 'blocked' }[response.status];
      item.message = data.message || text('invalid');
      item.errors = data.errors || {};
      await put('outbox', item);
    } else {
      // Signed out, an old CSRF token, a server error: keep it and try again later. Only the
      // sign-in answer (401) is worded for testers; the others would be English jargon.
      item.message = (response.status === 401 && data.message) || text('failed');
      await put('outbox', item);
      return 'retry';
    }
    told(item);
    return item.state;
  }

  // Send this tester's waiting items (never another tester's: they wait for their author).
  async function flush(manual) {
    if (!tester) return render();
    if (sending) { again = true; return; } // the running round goes once more when done
    sending = true;
    let retry = false;
    try {
      do {
        again = false;
        for (const item of await own()) {
          if (item.state === 'unsent' || (manual === true && item.state === 'blocked')) {
            if (await send(item) === 'retry') { retry = true; break; }
          }
        }
      } while (again && !retry);
    } finally {
      sending = false;
    }
    clearTimeout(timer);
    // Back off 5 s, 10 s, 20 s … up to 5 minutes while sending fails. Timers stop while a phone
    // sleeps or the app is in the background (iOS), so page show, visibility and the online event
    // send as well; no Background Sync needed.
    delay = retry ? Math.min(delay ? delay * 2 : 5000, 300000) : 0;
    if (retry) timer = setTimeout(flush, delay);
    await render();
  }

  async function render() {
    if (!banner) return;
    const items = await all('outbox');
    const showAll = Boolean(me) && me.role !== 'tester'; // a coordinator collects them for export
    const listed = items.filter((item) => showAll || mine(item));
    const others = showAll ? 0 : items.length - listed.length;
    const unsent = listed.filter((item) => item.state === 'unsent').length;
    banner.hidden = items.length === 0;
    $('#outbox-count', banner).textContent = unsent ? (unsent === 1 ? text('one') : text('many', unsent))
      : listed.length ? text('attention') : text(others === 1 ? 'othersOne' : 'othersMany', others);
    const list = $('.outbox-items', banner);
    list.textContent = '';
    for (const item of listed) {
      const li = document.createElement('li');
      li.className = 'outbox-item state-' + item.state;
      const link = document.createElement('a');
      link.href = item.url || '#';
      link.textContent = item.title;
      const state = document.createElement('strong');
      state.textContent = text('state' + item.state[0].toUpperCase() + item.state.slice(1));
      li.append(state, ' · ', link);
      if (showAll && item.author) li.append(' · ', item.author.username);
      if (item.message) li.append(document.createElement('br'), item.message);
      // A conflict is kept on the server; a refusal only here, so it goes once it is exported.
      if (item.state === 'conflict' || (item.state === 'refused' && item.exported)) {
        const dismiss = document.createElement('button');
        dismiss.type = 'button';
        dismiss.className = 'link';
        dismiss.textContent = text('dismiss');
        dismiss.addEventListener('click', () => remove('outbox', item.uuid).then(render));
        li.append(' ', dismiss);
      }
      list.append(li);
    }
    if (others) {
      const li = document.createElement('li');
      li.textContent = text(others === 1 ? 'othersOne' : 'othersMany', others) + '. ' + text('othersHelp');
      list.append(li);
    }
    $('[data-send-now]', banner).hidden = !tester || unsent === 0;
    $('[data-export]', banner).hidden = !listed.some((item) => OPEN.includes(item.state));
    $('[data-unsent-help]', banner).hidden = unsent === 0;
    if (tester) {
      const open = listed.filter((item) => OPEN.includes(item.state));
      heartbeat(open.length);
      cards(listed);
      show($('[data-waiting-long]'), 'waitingLong', open.some((item) => Date.now() - Date.parse(item.created) > DAY));
    }
  }

  // The test list follows the outbox without a reload: "saved, not sent" / "sent at …".
  function cards(items) {
    for (const item of items) card(item);
  }
  function card(item) {
    const li = item.body && $('li[data-test="' + item.body.test_id + '"]');
    if (!li || item.kind === 'incident') return;
    const state = $('[data-card-state]', li);
    if (item.state === 'sent') {
      const at = item.received ? new Date(item.received) : new Date();
      state.textContent = text('sentAt', at.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }));
      const button = $('a.button', li);
      if (button) { button.classList.remove('primary'); button.textContent = text('view'); }
    } else {
      state.textContent = text('state' + item.state[0].toUpperCase() + item.state.slice(1));
    }
    state.hidden = false;
  }
  listeners.push(card);

  let beaten = false;
  function heartbeat(count) {
    // The coordinator's dashboard lists phones with unsent reports: say when the count changes
    // (not on every page, and not at all on a phone that never had one).
    const url = banner.dataset.heartbeat;
    const key = 'mysteryguest-unsent-' + me.id;
    if (!url || beaten || String(count) === (local(key) || '0')) return;
    beaten = true;
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token() },
      body: JSON.stringify({ device_id: device(), unsent_count: count }),
    }).then((response) => { if (response.ok) local(key, String(count)); }, () => {}).then(() => { beaten = false; });
  }

  // Export the unsent items this person may read: a tester their own, a coordinator all.
  async function exportUnsent() {
    const reports = (await all('outbox')).filter((item) => (me.role !== 'tester' || mine(item)) && OPEN.includes(item.state));
    const file = JSON.stringify({ format: 'mysteryguest-outbox', version: 1,
      exported_at: new Date().toISOString(), device_id: device(), reports }, null, 2);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([file], { type: 'application/json' }));
    link.download = 'mysteryguest-unsent-' + new Date().toISOString().slice(0, 16).replace(/\D/g, '') + '.json';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    for (const item of reports) await put('outbox', Object.assign(item, { exported: true }));
    await render();
  }

  async function queue(item) {
    await put('outbox', item);
    // Ask the browser not to evict the outbox under storage pressure (Safari may clear a site's
    // storage after 7 days without a visit unless the app is on the home screen).
    const storage = navigator.storage;
    if (storage && storage.persist && storage.persisted) storage.persisted().then((kept) => kept || storage.persist()).catch(() => {});
  }

  // --- the report form: skip logic, draft, submit into the outbox ---------------------------
  function answersOf(form) {
    const answers = {};
    for (const group of $$('[data-field]', form)) {
      const id = group.dataset.field;
      if (group.hidden) continue;
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

  const author = (form) => ({ user_id: me.id, username: me.username, team: form.dataset.team || null });

  function reportForm(form) {
    const status = $('#send-status');
    const key = me.id + ':' + form.dataset.testId;
    let draft;
    // The handlers below are attached at once; what they need from the phone's storage comes
    // with `ready`. A tap on send before then waits for it instead of posting the plain form
    // (which, without a connection, would end on the browser's error page).
    const ready = (async () => {
      const pending = (await own()).find((item) => item.draftKey === key);
      draft = await get('drafts', key);
      if (pending) {
        fill(form, pending.body.answers);
        draft = draft || { key, uuid: pending.uuid, started: Date.now() };
      } else if (draft) {
        fill(form, draft.answers);
        if (Object.keys(draft.answers).length) say(status, text('restored'), 'info');
      } else {
        draft = { key, uuid: newUuid(), started: Date.now(), answers: {} };
      }
      draft.author = author(form);
      form.elements.report_uuid.value = draft.uuid;
      applyRelevance(form);
      listeners.push(show);
      if (pending) show(pending);
    })();
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

    const save = () => {
      applyRelevance(form);
      draft.answers = answersOf(form);
      draft.updated = Date.now();
      form.elements.elapsed_seconds.value = Math.round((Date.now() - draft.started) / 1000);
      return put('drafts', draft);
    };
    const changed = () => ready.then(save);
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);

    let submitting = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (submitting) return; // a double tap stores once
      submitting = true;
      try {
        await ready;
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
        const now = new Date().toISOString();
        const item = {
          uuid: draft.uuid,
          kind: 'report',
          author: draft.author,
          user: me.username,
          draftKey: key,
          title: form.dataset.title,
          url: location.pathname,
          state: 'unsent',
          created: now,
          body: {
            uuid: draft.uuid,
            test_id: Number(form.dataset.testId),
            instrument: form.dataset.instrument,
            instrument_version: Number(form.dataset.instrumentVersion),
            answers: draft.answers,
            submitted_at: now,
            elapsed_seconds: Math.round((Date.now() - draft.started) / 1000),
          },
        };
        await queue(item);
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
    return ready;
  }

  // --- help / incident: queued like a report when there is no connection ---------------------
  // The tester's choice where the page asks (a study, a test), else the page's own test.
  const chosen = (form, name, fallback) => {
    const value = form.elements[name] ? form.elements[name].value : fallback;
    return value ? Number(value) : null;
  };
  function incidentForm(form) {
    const status = $('[data-incident-status]');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const kind = $('input[name=kind]:checked', form);
      if (!kind) { form.submit(); return; } // the server says what is missing
      const uuid = newUuid();
      const item = {
        uuid,
        kind: 'incident',
        api: form.dataset.api,
        author: author(form),
        user: me.username,
        title: form.dataset.title,
        state: 'unsent',
        created: new Date().toISOString(),
        body: {
          uuid,
          kind: kind.value,
          description: form.elements.description.value.trim(),
          study_id: chosen(form, 'study_id', form.dataset.studyId),
          test_id: chosen(form, 'test_id', form.dataset.testId),
        },
      };
      await queue(item);
      lock(form, true);
      listeners.push((done) => {
        if (done.uuid === uuid && done.state === 'sent') say(status, done.message, 'success');
      });
      await flush();
      if (await get('outbox', uuid)) say(status, text('incidentQueued'), 'error');
    });
  }

  // --- sign-out: say what is waiting, forget this tester's drafts and pages -------------------
  const el = (tag, attributes, ...children) => {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    element.append(...children);
    return element;
  };
  function signOut(form) {
    let sure = false;
    let ask;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const waiting = tester ? (await own()).filter((item) => OPEN.includes(item.state)).length : 0;
      if (waiting && !sure) {
        if (!ask) ask = question(form, () => { sure = true; });
        $('[data-signout-count]', ask).textContent = text(waiting === 1 ? 'signoutOne' : 'signoutMany', waiting);
        ask.hidden = false;
        $('button', ask).focus();
        return;
      }
      if (me && window.indexedDB) {
        for (const draft of await all('drafts')) {
          if (draft.key.split(':')[0] === String(me.id) || (draft.author && draft.author.user_id === me.id)) await remove('drafts', draft.key);
        }
      }
      if (window.caches) await caches.delete('pages').catch(() => {});
      if (worker && worker.controller) worker.controller.postMessage({ type: 'forget' });
      form.submit();
    });
  }

  // "N of your reports are not sent yet": stay, export them, or sign out anyway.
  function question(form, anyway) {
    const stay = el('button', { type: 'button', class: 'primary', 'data-stay': '' }, text('stay'));
    const save = el('button', { type: 'button', 'data-export-mine': '' }, text('exportThem'));
    const leave = el('button', { type: 'button', 'data-signout-anyway': '' }, text('signoutAnyway'));
    const ask = el('div', { class: 'signout-ask flash flash-error', role: 'alertdialog', 'data-signout-ask': '',
      'aria-labelledby': 'signout-count', 'aria-describedby': 'signout-help' },
    el('p', { id: 'signout-count' }, el('strong', { 'data-signout-count': '' })),
    el('p', { id: 'signout-help' }, text('signoutHelp')),
    el('p', { class: 'actions' }, stay, ' ', save, ' ', leave));
    $('header').after(ask);
    stay.addEventListener('click', () => { ask.hidden = true; });
    save.addEventListener('click', exportUnsent);
    leave.addEventListener('click', () => {
      anyway();
      ask.hidden = true;
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    });
    return ask;
  }

  // --- offline: the worker keeps the pages, then proves it answers navigations ----------------
  // Right after a service worker first takes control, the page is controlled at once, but the
  // browser may route a navigation (a reload, say) to the network for a moment longer (Chromium:
  // up to ~150 ms here). Offline, that reload would fail. So the phone calls itself ready only
  // when the worker has answered a real navigation: a hidden frame loads /sw-probe, which only
  // the worker answers; until it does, the probe is repeated.
  function probe(tries) {
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.title = 'probe';
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      frame.remove();
      if (ok) {
        document.documentElement.dataset.offline = 'ready';
        show($('[data-offline-ready]'), 'offlineReady', true);
      } else if (tries > 1) setTimeout(() => probe(tries - 1), 250);
    };
    frame.addEventListener('load', () => {
      try { finish(frame.contentDocument.title === 'mg-sw'); } catch (error) { finish(false); }
    });
    setTimeout(() => finish(false), 2000);
    frame.src = '/sw-probe?' + Date.now();
    document.body.append(frame);
  }

  function offline() {
    worker.register('/sw.js').catch(() => {});
    if (!tester) return;
    // Keep the test list, the help page and every listed test's form for use without a network.
    const urls = [location.pathname, '/tester/', '/tester/incident', ...$$('a[data-offline]').map((a) => a.pathname)];
    worker.ready.then((registration) => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      const assets = $$('script[src], link[rel=stylesheet]').map((link) => link.src || link.href);
      registration.active.postMessage({ type: 'keep', user: String(me.id), current: location.href, html: arrived, assets, urls: Array.from(new Set(urls)) }, [channel.port2]);
    }).then(() => {
      document.documentElement.dataset.offline = 'kept';
      // A page that loaded while the worker was being installed can miss the worker's claim
      // (Firefox and WebKit, under load): it asks to be claimed. Being controlled is not what
      // makes the phone ready, though: the worker answering a navigation is (the probe).
      if (!worker.controller) registration.active.postMessage({ type: 'claim' });
      probe(20);
    }));
    show($('[data-offline-missing]'), 'offlineMissing', /[?&]offline=missing/.test(location.search));
  }

  // --- start ------------------------------------------------------------------------------
  const login = $('form[data-login]');
  if (login && login.elements.device_id) login.elements.device_id.value = device();
  if (worker && (tester || login)) offline(); // the sign-in page too: ready before the first test
  const signout = $('form[data-signout]');
  if (signout && window.indexedDB) signOut(signout);
  if (banner && window.indexedDB) {
    $('[data-send-now]', banner).append(text('sendNow'));
    $('[data-export]', banner).append(text('export'));
    $('[data-unsent-help]', banner).append(text('unsentHelp'));
    $('[data-send-now]', banner).addEventListener('click', () => flush(true));
    $('[data-export]', banner).addEventListener('click', exportUnsent);
    const later = () => { if (document.visibilityState !== 'hidden') flush(); };
    window.addEventListener('online', later);
    window.addEventListener('pageshow', (event) => { if (event.persisted) later(); });
    document.addEventListener('visibilitychange', later);
    const form = tester && $('form[data-outbox]');
    const incident = tester && $('form[data-incident-outbox]');
    if (incident) incidentForm(incident);
    (form ? reportForm(form) : Promise.resolve()).then(flush);
  }
  // A form that cannot wait in the outbox (an amendment): say so at once when offline, instead
  // of the browser's own error page.
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
    // Suggest installing: Safari keeps an installed app's storage.
    const installed = (window.matchMedia && window.matchMedia('(display-mode: standalone)').matches) || navigator.standalone;
    show($('[data-install-hint]'), 'installHint', !installed);
  }
  const questions = $('form[data-outbox]');
  if (questions) applyRelevance(questions);
})();
