/* A coordinator's page that keeps itself up to date ("tonight", the incidents on "monitoring"):
   every data-live seconds it fetches itself again (or, with data-live-source, just that
   fragment's URL) and swaps in the new [data-live-body] when it changed (so a screen reader
   hears a new incident once, not every minute). It waits while the tab is hidden, while focus is
   inside the region, and while paused with the button; a failed fetch (offline, signed out) is
   said once and retried. Plain ES2017, no dependencies; without it the page is simply static. */
'use strict';
(() => {
  const region = document.querySelector('[data-live]');
  if (!region) return;
  const seconds = Math.max(1, Number(region.dataset.live) || 60);
  const source = region.dataset.liveSource;
  const toggle = document.querySelector('[data-live-toggle]');
  const status = region.querySelector('[data-live-status]');
  let paused = false;
  let busy = false;

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener('click', () => {
      paused = !paused;
      toggle.setAttribute('aria-pressed', String(paused));
      toggle.textContent = paused ? toggle.dataset.resume : toggle.dataset.pause;
      if (!paused) refresh();
    });
  }

  async function refresh() {
    const active = document.activeElement;
    if (paused || busy || document.hidden || (active && active !== document.body && region.contains(active))) return;
    busy = true;
    try {
      const response = await fetch(source || window.location.href, {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' },
      });
      const parsed = response.ok && !response.redirected
        ? new DOMParser().parseFromString(await response.text(), 'text/html')
        : null;
      // A fragment is the new body itself; a page holds it in its own [data-live] region.
      const fresh = parsed && (source ? parsed.body : parsed.querySelector('[data-live]'));
      if (!fresh) throw new Error('not the page');
      const body = region.querySelector('[data-live-body]');
      const freshBody = source ? fresh : fresh.querySelector('[data-live-body]');
      if (body && freshBody && body.innerHTML.trim() !== freshBody.innerHTML.trim()) body.innerHTML = freshBody.innerHTML;
      const stamp = region.querySelector('[data-live-stamp]');
      const freshStamp = fresh.querySelector('[data-live-stamp]');
      if (stamp && freshStamp) stamp.textContent = freshStamp.textContent;
      if (status) status.textContent = '';
    } catch (error) {
      if (status && !status.textContent) status.textContent = region.dataset.liveFailed;
    } finally {
      busy = false;
    }
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
})();
