/* A coordinator's page that keeps itself up to date ("tonight"): every data-live seconds it
   fetches itself again and swaps in the new [data-live-body] when it changed (so a screen reader
   hears a new incident once, not every minute). It waits while the tab is hidden, while focus is
   inside the region, and while paused with the button; a failed fetch (offline, signed out) is
   said once and retried. Plain ES2017, no dependencies; without it the page is simply static. */
'use strict';
(() => {
  const region = document.querySelector('[data-live]');
  if (!region) return;
  const seconds = Math.max(1, Number(region.dataset.live) || 60);
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
      const response = await fetch(window.location.href, {
        credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' },
      });
      const fresh = response.ok
        ? new DOMParser().parseFromString(await response.text(), 'text/html').querySelector('[data-live]')
        : null;
      if (!fresh || response.redirected) throw new Error('not the page');
      const body = region.querySelector('[data-live-body]');
      const freshBody = fresh.querySelector('[data-live-body]');
      if (body && freshBody && body.innerHTML !== freshBody.innerHTML) body.innerHTML = freshBody.innerHTML;
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
