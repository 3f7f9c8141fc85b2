() => {
  // The page's own script (passed to launch(js=...) by assistant/ui.py): the page is Danish,
  // Gradio's remaining English accessible names get Danish ones, the answer's accessible name is
  // its shown text (no Markdown escapes), accordions announce their state, and two helpers the
  // event handlers call: scrolling to the marked passage and to the new answer.
  document.documentElement.lang = 'da';
  const DANISH = {
    'chatbot conversation': 'Samtale', 'More tabs': 'Flere faner', 'Scroll down': 'Rul ned',
    'Scroll to bottom': 'Rul ned', 'Liked': 'Godt svar (valgt)', 'Disliked': 'Dårligt svar (valgt)',
    'Like': 'Godt svar', 'Dislike': 'Dårligt svar', 'Copy': 'Kopiér', 'Copied': 'Kopieret',
    'Copy message': 'Kopiér', 'Copied message': 'Kopieret', 'Clear': 'Ryd samtalen',
    'Gradio footer navigation': 'Sidefod', 'Loading response': 'Svaret hentes', 'Loading': 'Indlæser',
    'Close': 'Luk', 'Submit': 'Send', 'Stop': 'Stop', 'Retry': 'Prøv igen', 'Undo': 'Fortryd',
    'Edit': 'Redigér', 'Remove': 'Fjern', 'Clear all': 'Ryd alle', 'Dropdown': 'Rulleliste',
  };
  const LABELS = { 'ra-question': 'Dit spørgsmål' };
  const plain = (el) => (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
  const fix = () => {
    for (const el of document.querySelectorAll('[aria-label], [title]')) {
      for (const attr of ['aria-label', 'title']) {
        const v = el.getAttribute(attr);
        if (v === null) continue;
        if (DANISH[v] && DANISH[v] !== v) el.setAttribute(attr, DANISH[v]);
        else if (v.startsWith("user's message")) el.setAttribute(attr, 'Dit spørgsmål: ' + plain(el));
        else if (v.startsWith("bot's message")) el.setAttribute(attr, 'Svar: ' + plain(el));
      }
    }
    // text boxes whose visible label is hidden get it as their accessible name
    for (const [id, name] of Object.entries(LABELS)) {
      for (const box of document.querySelectorAll(`#${id} textarea, #${id} input`)) {
        if (box.getAttribute('aria-label') !== name) box.setAttribute('aria-label', name);
      }
    }
    for (const wrap of document.querySelectorAll('.label-wrap')) {
      const open = wrap.classList.contains('open');
      if (wrap.getAttribute('aria-expanded') !== String(open)) wrap.setAttribute('aria-expanded', String(open));
      for (const icon of wrap.querySelectorAll('.icon')) icon.setAttribute('aria-hidden', 'true');
    }
  };
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fix(); });
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true,
                              attributeFilter: ['aria-label', 'title', 'class'] });
  fix();

  // scrolls the source view (not the page) so that the marked passage is in sight
  window.raScrollToMark = () => {
    for (const box of document.querySelectorAll('.ra-source-text')) {
      const hit = box.querySelector('mark') || box.querySelector('.ra-hit');
      if (hit) box.scrollTop += hit.getBoundingClientRect().top - box.getBoundingClientRect().top - 48;
    }
  };
  // a source chosen in the panel: its text comes into sight and takes the focus (keyboard and
  // screen reader users land in the passage; on a phone the view stands below the cards)
  window.raShowSource = () => {
    window.raScrollToMark();
    const box = document.querySelector('#ra-source-view .ra-source-text');
    if (!box) return;
    const view = box.closest('.ra-source') || box;
    const r = view.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 80) view.scrollIntoView({ block: 'start' });
    box.focus({ preventScroll: true });
  };
  // after an answer: the newest question is in sight (the page scrolls, not the chat)
  window.raAfterAnswer = () => {
    setTimeout(() => {
      const users = document.querySelectorAll('#ra-chat .user-row, #ra-chat .message-row.user-row');
      const last = users[users.length - 1];
      if (last) {
        const r = last.getBoundingClientRect();
        if (r.top < 0 || r.top > window.innerHeight * 0.6) last.scrollIntoView({ block: 'start' });
      }
      window.raScrollToMark();
    }, 60);
  };
}
