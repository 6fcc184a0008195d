/* mysteryguest service worker: the app shell from the cache, tester pages network-first with the
   last good copy as fallback. It answers GET requests only: POSTs (reports, sign-in, the outbox)
   always go straight to the network, untouched. */
'use strict';
const VERSION = '__VERSION__';
const SHELL = 'shell-' + VERSION;
const PAGES = 'pages';
// The page links these with the same ?v=, so they usually come from the HTTP cache, not the network.
const SHELL_URLS = ['app.css', 'app.js', 'favicon.svg'].map((name) => '/static/' + name + '?v=' + VERSION)
  .concat(['/offline']);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => Promise.all(SHELL_URLS.map(async (url) => {
    const response = await fetch(url, { cache: url.includes('?v=') ? 'force-cache' : 'default' });
    if (!response.ok) throw new Error(url + ': ' + response.status);
    await cache.put(url, response);
  }))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith('shell-') && key !== SHELL)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

const isPage = (url) => url.pathname.startsWith('/tester/');

async function keep(cache, url, response) {
  if (response.ok && response.type === 'basic' && !response.redirected) await cache.put(url, response);
}

async function fromShell(request) {
  const hit = await caches.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok) await keep(await caches.open(SHELL), request.url, response.clone());
    return response;
  } catch (error) {
    // Offline, a page kept before an update asks for the old ?v=: the current file will do.
    const other = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
    if (other) return other;
    throw error;
  }
}

async function networkFirst(request, url) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (isPage(url)) await keep(cache, url.href, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(url.href, { ignoreVary: true });
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const offline = await caches.match('/offline', { ignoreVary: true });
      if (offline) return offline;
    }
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/public/')) return; // never cached: a withdrawal must take effect
  if (url.pathname.startsWith('/static/')) event.respondWith(fromShell(request));
  else if (request.mode === 'navigate' || isPage(url)) event.respondWith(networkFirst(request, url));
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'keep') {
    // Pages the tester will need offline: fetch those not kept yet (the current one included).
    event.waitUntil(caches.open(PAGES).then((cache) => Promise.all(message.urls.map(async (path) => {
      const url = new URL(path, self.location.origin);
      if (!isPage(url) || (!message.fresh && await cache.match(url.href, { ignoreVary: true }))) return;
      if (url.href === message.current && message.html) {
        // The page in view, as it arrived: no need to download it a second time.
        await cache.put(url.href, new Response(message.html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
        return;
      }
      try {
        await keep(cache, url.href, await fetch(url.href, { credentials: 'same-origin', cache: message.fresh ? 'no-cache' : 'default' }));
      } catch (error) { /* offline now; the next page load tries again */ }
    }))));
  } else if (message.type === 'forget') {
    event.waitUntil(caches.delete(PAGES));
  }
});
