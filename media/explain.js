// @ts-check
// The Explain panel's webview script (src/ui/explainPanel.ts). Plain browser JS, no build step.
// It mirrors the conversation the extension owns: the messages are declared in
// src/ui/explainProtocol.ts, which this file cannot import, so keep the two in step. All HTML it
// inserts was rendered on the extension side (markdown-it without raw HTML, highlight.js);
// everything else (questions, paths, errors, figures) goes in as text.
(function () {
  'use strict';
  /** @type {{ postMessage(message: unknown): void; getState(): any; setState(state: unknown): void }} */
  const vscode = /** @type {any} */ (globalThis).acquireVsCodeApi();

  const turnsEl = /** @type {HTMLElement} */ (document.getElementById('turns'));
  const subjectEl = /** @type {HTMLElement} */ (document.getElementById('subject'));
  const stopButton = /** @type {HTMLButtonElement} */ (document.getElementById('stop'));
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('follow-up'));

  /** An answer streams: Stop shows, the follow-up box is disabled. */
  let answering = false;
  /** A follow-up was sent and its answer has not started yet. */
  let waitingForTurn = false;
  /** A conversation has begun (there is something to ask about). */
  let hasSubject = false;
  /** Follow the streaming answer down; the user scrolling up turns it off, back to the bottom on again. */
  let followBottom = true;
  const BOTTOM_SLACK_PX = 24;

  // ---- messages from the extension ---------------------------------------------------------------

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message.type !== 'string') return;
    switch (message.type) {
      case 'reset':
        reset(message.subject, message.turns);
        break;
      case 'turn':
        addTurn({ question: message.question, html: '', state: 'streaming', figures: '' });
        answering = true;
        waitingForTurn = false;
        followBottom = true;
        updateComposer();
        scrollToBottom();
        break;
      case 'answer': {
        const answer = document.getElementById('answer');
        if (answer) replaceChildrenFromHtml(answer, message.html);
        if (followBottom) scrollToBottom();
        break;
      }
      case 'end':
        end(message.state, message.figures, message.error);
        break;
    }
  });

  function reset(subject, turns) {
    hasSubject = !!subject;
    subjectEl.hidden = !subject;
    if (subject) {
      text(subjectEl, '.subject-path', subject.path);
      text(subjectEl, '.subject-lines', subject.lines);
      const code = /** @type {HTMLElement} */ (subjectEl.querySelector('.subject-code-body'));
      code.innerHTML = subject.codeHtml;
    }
    turnsEl.replaceChildren();
    for (const turn of turns) addTurn(turn);
    const last = turns[turns.length - 1];
    answering = last !== undefined && last.state === 'streaming';
    waitingForTurn = false;
    followBottom = true;
    updateComposer();
    scrollToBottom();
  }

  function end(state, figures, error) {
    const turn = currentTurn();
    if (turn) {
      turn.dataset.state = state;
      text(turn, '.figures', figures);
      const errorEl = /** @type {HTMLElement} */ (turn.querySelector('.error'));
      errorEl.hidden = !error;
      errorEl.textContent = error || '';
      // A failed follow-up: its question is ready to send again.
      const question = turn.querySelector('.question');
      if (state === 'failed' && question && !input.value) input.value = question.textContent || '';
    }
    answering = false;
    waitingForTurn = false;
    updateComposer();
    if (followBottom) scrollToBottom();
  }

  // ---- turns -------------------------------------------------------------------------------------

  /** Appends a turn and makes it the current one: only the current turn's parts carry ids. */
  function addTurn(view) {
    for (const el of turnsEl.querySelectorAll('[id]')) el.removeAttribute('id');
    const turn = element('section', 'turn');
    turn.dataset.state = view.state;
    if (view.question) turn.append(element('div', 'question', view.question));
    const answer = element('div', 'answer markdown');
    answer.id = 'answer';
    replaceChildrenFromHtml(answer, view.html);
    const error = element('div', 'error', view.error || '');
    error.id = 'error';
    error.setAttribute('role', 'alert');
    error.hidden = !view.error;
    const footer = element('div', 'turn-footer');
    const figures = element('span', 'figures', view.figures);
    figures.id = 'figures';
    const copy = /** @type {HTMLButtonElement} */ (element('button', 'copy', 'Copy'));
    copy.id = 'copy';
    copy.type = 'button';
    copy.title = 'Copy the answer as Markdown';
    footer.append(figures, copy);
    turn.append(answer, error, footer);
    turnsEl.append(turn);
  }

  function currentTurn() {
    return /** @type {HTMLElement | null} */ (turnsEl.lastElementChild);
  }

  /**
   * Replaces `parent`'s children with the HTML's, keeping the leading blocks that did not change:
   * while an answer streams only its last block or two change, so a selection or a "Copied" label
   * in the blocks above survives each update.
   */
  function replaceChildrenFromHtml(parent, html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    const next = Array.from(template.content.childNodes);
    const old = Array.from(parent.childNodes);
    let same = 0;
    while (same < next.length && same < old.length && old[same].isEqualNode(next[same])) same++;
    for (const node of old.slice(same)) node.remove();
    parent.append(...next.slice(same));
  }

  // ---- buttons and the follow-up box -------------------------------------------------------------

  document.addEventListener('click', (event) => {
    const target = /** @type {Element} */ (event.target);
    const copyCode = target.closest('.copy-code');
    if (copyCode) {
      const code = copyCode.closest('.code-block')?.querySelector('code');
      vscode.postMessage({ type: 'copyCode', text: code ? code.textContent : '' });
      copied(/** @type {HTMLElement} */ (copyCode));
      return;
    }
    const copy = target.closest('.copy');
    if (copy) {
      const turn = copy.closest('.turn');
      vscode.postMessage({ type: 'copyAnswer', turn: Array.from(turnsEl.children).indexOf(/** @type {Element} */ (turn)) });
      copied(/** @type {HTMLElement} */ (copy));
    }
  });

  /** "Copied" for a moment: the copy itself happens in the extension (vscode.env.clipboard). */
  function copied(button) {
    button.textContent = 'Copied';
    button.classList.add('copied');
    setTimeout(() => {
      button.textContent = 'Copy';
      button.classList.remove('copied');
    }, 1500);
  }

  stopButton.addEventListener('click', () => {
    stopButton.disabled = true;
    vscode.postMessage({ type: 'stop' });
  });

  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    const question = input.value.trim();
    if (!question || answering || waitingForTurn) return;
    vscode.postMessage({ type: 'followUp', text: question });
    input.value = '';
    saveDraft();
    waitingForTurn = true;
    updateComposer();
  });

  input.addEventListener('input', () => {
    fitInput();
    saveDraft();
  });

  function updateComposer() {
    stopButton.hidden = !answering;
    stopButton.disabled = false;
    const wasDisabled = input.disabled;
    input.disabled = answering || waitingForTurn || !hasSubject;
    document.body.dataset.state = answering ? 'answering' : waitingForTurn ? 'waiting' : 'idle';
    fitInput();
    // Back to the box after an answer, if the user was in this panel (never steal the editor's focus).
    if (wasDisabled && !input.disabled && document.hasFocus()) input.focus();
  }

  /** The box grows with its text, up to a third of the view (CSS max-height). */
  function fitInput() {
    input.rows = Math.max(1, Math.min(8, input.value.split('\n').length));
  }

  // The draft survives the webview being hidden and reloaded.
  function saveDraft() {
    vscode.setState({ draft: input.value });
  }
  const state = vscode.getState();
  if (state && typeof state.draft === 'string') input.value = state.draft;

  // ---- scrolling ---------------------------------------------------------------------------------

  turnsEl.addEventListener(
    'scroll',
    () => {
      followBottom = turnsEl.scrollHeight - turnsEl.scrollTop - turnsEl.clientHeight <= BOTTOM_SLACK_PX;
    },
    { passive: true },
  );

  function scrollToBottom() {
    turnsEl.scrollTop = turnsEl.scrollHeight;
  }

  // ---- small DOM helpers -------------------------------------------------------------------------

  function element(tag, className, textContent) {
    const el = document.createElement(tag);
    el.className = className;
    if (textContent) el.textContent = textContent;
    return el;
  }

  function text(root, selector, value) {
    const el = root.querySelector(selector);
    if (el) el.textContent = value || '';
  }

  updateComposer();
  vscode.postMessage({ type: 'ready' });
})();
