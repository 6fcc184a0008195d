/* mysteryguest service worker: the app shell from the cache, tester pages network-first with the
   last good copy as fallback. It answers GET requests only: POSTs (reports, sign-in, the outbox)
   always go straight to the network, untouched.
   The page cache holds one tester's pages at a time: every tester page says whose it is
   (X-Mg-User); a page of another tester empties the cache first, and sign-out empties it. */
'use strict';
const VERSION = '__VERSION__';
const SHELL = 'shell-' + VERSION;
const PAGES = 'pages';
const OWNER = '/sw-owner';
// The page links these with the same ?v=, so they come from the HTTP cache, not the network.
// (app.js, which carries the page's language, comes with the page's "keep" message.)
const SHELL_URLS = ['app.css', 'favicon.svg'].map((name) => '/static/' + name + '?v=' + VERSION);

const shelve = (urls) => caches.open(SHELL).then((cache) => Promise.all(urls.map(async (url) => {
  if (await cache.match(url)) return;
  const response = await fetch(url, { cache: 'force-cache' });
  if (!response.ok) throw new Error(url + ': ' + response.status);
  await cache.put(url, response);
})));

self.addEventListener('install', (event) => {
  event.waitUntil(shelve(SHELL_URLS).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith('shell-') && key !== SHELL)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

const isPage = (url) => url.pathname.startsWith('/tester/');
const match = (cache, url, options) => cache.match(url, Object.assign({ ignoreVary: true }, options));

// The page cache, emptied first when it holds another tester's pages.
async function pagesOf(user) {
  let cache = await caches.open(PAGES);
  const owner = await cache.match(OWNER);
  if (owner && (await owner.text()) === user) return cache;
  if (owner) {
    await caches.delete(PAGES);
    cache = await caches.open(PAGES);
  }
  await cache.put(OWNER, new Response(user));
  return cache;
}

async function keep(url, response) {
  const user = response.headers.get('X-Mg-User');
  if (response.ok && response.type !== 'opaque' && !response.redirected && user) {
    await (await pagesOf(user)).put(url, response);
  }
}

// Pages to keep, in one request (tester.offline_pages): one round trip for all of them.
async function bundle(paths, fresh) {
  if (!paths.length) return;
  const query = paths.map((path) => 'page=' + encodeURIComponent(path)).join('&');
  const response = await fetch('/tester/offline-pages?' + query, { credentials: 'same-origin', cache: fresh ? 'no-cache' : 'default' });
  if (!response.ok || response.redirected) return;
  for (const page of (await response.json()).pages) {
    await keep(new URL(page.path, self.location.origin).href, new Response(page.html, { headers: page.headers }));
  }
}

async function fromShell(request) {
  const hit = await caches.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok) await (await caches.open(SHELL)).put(request.url, response.clone());
    return response;
  } catch (error) {
    // Offline, a page kept before an update asks for the old ?v=: the current file will do.
    const other = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
    return other || unreachable();
  }
}

// What the browser gets for something neither the network nor the phone has: a plain answer
// (an error thrown in here would be the browser's "unexpected error" instead).
const unreachable = () => new Response('', { status: 504, statusText: 'Offline' });

async function networkFirst(request, url) {
  try {
    const response = await fetch(request);
    if (isPage(url)) await keep(url.href, response.clone());
    return response;
  } catch (error) {
    const cache = await caches.open(PAGES);
    const hit = await match(cache, url.href);
    if (hit) return hit;
    // A page never kept: the test list, with a note that the page asked for is not on the phone.
    if (request.mode === 'navigate' && await match(cache, '/tester/', { ignoreSearch: true })) {
      return Response.redirect('/tester/?offline=missing', 303);
    }
    if (request.mode === 'navigate') throw error; // the browser's own "no connection" page
    return unreachable();
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/public/')) return; // never cached: a withdrawal must take effect
  if (url.pathname === '/sw-probe') {
    // The page asks whether this worker answers its navigations yet (app.js, probe).
    event.respondWith(new Response('<!doctype html><title>mg-sw</title>', { headers: { 'Content-Type': 'text/html' } }));
  } else if (url.pathname.startsWith('/static/')) event.respondWith(fromShell(request));
  else if (request.mode === 'navigate' || isPage(url)) event.respondWith(networkFirst(request, url));
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  const reply = () => event.ports[0] && event.ports[0].postMessage('kept');
  if (message.type === 'keep') {
    // Pages the tester will need offline, those not kept yet (the current one included), and
    // the page's own script and style.
    event.waitUntil(shelve((message.assets || []).filter((url) => new URL(url).pathname.startsWith('/static/')))
      .then(() => (message.user ? pagesOf(message.user) : caches.open(PAGES)))
      .then(async (cache) => {
        const wanted = [];
        for (const path of message.urls || []) {
          const url = new URL(path, self.location.origin);
          if (!isPage(url) || (!message.fresh && await match(cache, url.href))) continue;
          if (url.href === message.current && message.html && message.user) {
            // The page in view, as it arrived: no need to download it a second time.
            await keep(url.href, new Response(message.html, { headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-Mg-User': message.user } }));
          } else wanted.push(url.pathname);
        }
        await bundle(wanted, message.fresh).catch(() => { /* offline now; the next page load tries again */ });
      })
      .then(reply, reply));
  } else if (message.type === 'forget') {
    event.waitUntil(caches.delete(PAGES));
  } else if (message.type === 'claim') {
    event.waitUntil(self.clients.claim()); // a page that missed the claim when this worker started
  }
});
