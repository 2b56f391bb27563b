// The facilitator's room view. Plain JavaScript, no build step: follows the room's state, pushed by the server as
// server-sent events (read with fetch, so the token travels in a header), and redraws.
// The facilitator token comes from the link's #token= fragment (never sent in a URL to the server). It is moved
// into this tab's session storage and wiped from the address bar at once, so a projected browser does not show it.
"use strict";

const token = (() => {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("frontline-facilitator-token", fromLink);
    history.replaceState(null, "", location.pathname);
  }
  return fromLink || sessionStorage.getItem("frontline-facilitator-token") || "";
})();
const RETRY_MS = 1500; // wait before reconnecting a dropped event stream
let state = null;
let sheets = [];
let clockOffset = 0; // server time minus browser time, in seconds

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "style") node.style.cssText = value; // set through CSSOM: the page's CSP forbids style attributes
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
};

function announce(text) { $("announcer").textContent = text; }
function showError(text) { const box = $("error"); box.textContent = text; box.hidden = !text; }

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return response;
}

const STATE_TEXT = { draft: "Not open yet", open: "● Open: answers accepted", locked: "🔒 Locked" };

function questionStateText(q) {
  return q.revealed ? "✔ Answer revealed" : STATE_TEXT[q.state] || q.state;
}

function renderBars(q, dist) {
  const total = dist.responses || 0;
  const max = Math.max(1, ...dist.bars.map((b) => b.count));
  const correct = q.correct == null ? null : (typeof q.correct === "string" ? q.correct : JSON.stringify(q.correct));
  const list = el("ul", { class: "bars", "aria-label": "Distribution of answers" });
  for (const bar of dist.bars) {
    const isAnswer = correct !== null && bar.label === correct;
    const percent = total ? Math.round((100 * bar.count) / total) : 0;
    list.append(el("li", { class: isAnswer ? "answer" : "" },
      el("span", { text: (isAnswer ? "✔ " : "") + bar.label + (isAnswer ? " (answer)" : "") }),
      el("span", { class: "bar-track", "aria-hidden": "true" },
        el("span", { class: "bar-fill", style: `display:block;width:${(100 * bar.count) / max}%` })),
      el("span", { class: "bar-count", text: `${bar.count} (${percent}%)` })));
  }
  return list;
}

function renderWords(dist) {
  if (!dist.words.length) return el("p", { text: "No words yet." });
  const max = Math.max(...dist.words.map((w) => w.count));
  const list = el("ul", { class: "words", "aria-label": "Words used in the answers, most frequent first" });
  for (const w of dist.words) {
    list.append(el("li", { style: `font-size:${1 + w.count / max}em`, text: `${w.word} ×${w.count}` }));
  }
  return list;
}

async function act(q, action) {
  if (action === "reset" && !confirm(`Reset “${q.title}”? Its answers stop counting (they stay in the export).`)) return;
  try {
    await api(`/api/facilitator/questions/${q.number}/${action}`, { method: "POST" });
    announce(`Question ${q.number} ${action === "reset" ? "reset" : action + "ed"}.`);
    await refresh();
  } catch (e) { showError(`Could not ${action} question ${q.number}: ${e.message}`); }
}

function renderQuestion(q) {
  const dist = q.distribution;
  const card = el("article", { class: "question" + (q.state === "open" ? " is-open" : ""),
    "aria-labelledby": `q${q.number}-title` });
  card.append(el("h3", { id: `q${q.number}-title`, text: `${q.number}. ${q.title}` }));
  card.append(el("p", { class: "meta" },
    el("span", { class: "state", text: questionStateText(q) }),
    `${dist.responses} of ${state.room_size} answered · ${q.kind}` + (q.round > 1 ? ` · round ${q.round}` : "")));
  if (q.prompt) card.append(el("p", { text: q.prompt }));
  if (dist.bars) card.append(dist.bars.length ? renderBars(q, dist) : el("p", { text: "No answers yet." }));
  if (dist.words) card.append(renderWords(dist));
  const stats = [];
  if (dist.mean != null) stats.push(`mean ${dist.mean}`);
  if (dist.median != null) stats.push(`median ${dist.median}`);
  if (stats.length) card.append(el("p", { text: stats.join(" · ") }));
  if (dist.judged_bars) {
    card.append(el("p", { class: "meta", text: `How the scenario judged the ${dist.judged} answer(s):` }));
    card.append(renderBars({ correct: null }, { responses: dist.judged, bars: dist.judged_bars }));
  }
  if (q.revealed) {
    const box = el("div", { class: "reveal", role: "region", "aria-label": `Answer and debrief for question ${q.number}` });
    if (q.correct != null) box.append(el("p", {}, el("strong", { text: "Answer: " }),
      typeof q.correct === "string" ? q.correct : JSON.stringify(q.correct)));
    if (q.debrief) box.append(el("p", { class: "note", text: q.debrief }));
    if (q.correct == null && !q.debrief) box.append(el("p", { text: "No answer or debrief notes were given." }));
    card.append(box);
  }
  const buttons = el("div", { class: "buttons", role: "group", "aria-label": `Controls for question ${q.number}` });
  for (const [action, label, enabled] of [
    ["open", "Open", q.state !== "open"], ["lock", "Lock", q.state === "open"],
    ["reveal", "Reveal answer", !q.revealed], ["reset", "Reset", true]]) {
    buttons.append(el("button", { type: "button", "data-focus": `${q.number}-${action}`,
      "aria-label": `${label} question ${q.number}`, onclick: () => act(q, action),
      ...(enabled ? {} : { disabled: "" }) }, label));
  }
  card.append(buttons);
  return card;
}

function renderQuestions() {
  const focused = document.activeElement && document.activeElement.getAttribute("data-focus");
  const box = $("questions");
  box.replaceChildren(...(state.questions.length
    ? state.questions.map(renderQuestion)
    : [el("p", { text: "No questions yet: add one below, or start the server with --plan." })]));
  if (focused) { const again = box.querySelector(`[data-focus="${focused}"]`); if (again) again.focus(); }
}

function mmss(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const s = Math.abs(Math.round(seconds));
  return `${sign}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function serverNow() { return Date.now() / 1000 + clockOffset; }

function renderTimer() {
  const t = (state && state.timer) || {};
  const display = $("timer-display");
  if (!t.duration) { display.textContent = "--:--"; $("timer-status").textContent = "Not started"; return; }
  const elapsed = (t.elapsed_before || 0) + (t.started_at ? serverNow() - t.started_at : 0);
  const left = t.duration - elapsed;
  display.textContent = mmss(left);
  display.classList.toggle("over", left < 0);
  $("timer-status").textContent = left < 0 ? `⏰ Time is up (${mmss(-left)} over)`
    : t.started_at ? "▶ Running" : (elapsed > 0 ? "⏸ Paused" : "Ready");
}

function renderRunSheet() {
  const select = $("lesson-select");
  const box = $("runsheet");
  const sheet = sheets.find((s) => s.lesson_id === select.value);
  if (!sheet) { box.replaceChildren(el("p", { text: "No lesson notebooks found." })); return; }
  const clock = (state && state.clock) || {};
  const running = clock.lesson_id === sheet.lesson_id && clock.started_at;
  const elapsedMin = running ? (serverNow() - clock.started_at) / 60 : 0;
  const planned = sheet.planned_minutes;
  const parts = [el("p", {}, el("strong", { text: sheet.title }),
    ` · planned ${planned} min (${sheet.teaching_minutes} teaching + ${sheet.exercise_minutes} exercise)`)];
  parts.push(el("p", { text: running
    ? `Elapsed ${mmss(elapsedMin * 60)} of ${planned} min` + (elapsedMin > planned ? ` · ⚠ over by ${mmss((elapsedMin - planned) * 60)}` : "")
    : "Module clock not started." }));
  if (sheet.sections.length) {
    const table = el("table", {}, el("caption", { class: "visually-hidden", text: "Sections with planned minutes" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Section" }), el("th", { scope: "col", text: "Planned" }),
        el("th", { scope: "col", text: "By plan, ends at" }), el("th", { scope: "col", text: "Status" }))));
    const body = el("tbody");
    let start = 0;
    for (const section of sheet.sections) {
      const end = start + section.minutes;
      const status = !running ? "" : elapsedMin >= end ? "✔ past" : elapsedMin >= start ? "▶ now" : "next";
      body.append(el("tr", { class: status === "▶ now" ? "current" : "" },
        el("td", { text: section.title }), el("td", { text: `${section.minutes} min` }),
        el("td", { text: `${end} min` }), el("td", { text: status })));
      start = end;
    }
    table.append(body);
    parts.push(table);
  }
  if (sheet.objectives.length) {
    parts.push(el("h3", { text: "Objectives" }), el("ul", {}, ...sheet.objectives.map((o) => el("li", { text: o }))));
  }
  if (sheet.notes.length) {
    parts.push(el("h3", { text: "Facilitator notes" }));
    for (const note of sheet.notes) {
      parts.push(el("div", { class: "note" }, note.section ? el("strong", { text: `${note.section}: ` }) : null, note.text));
    }
  }
  for (const problem of sheet.problems) parts.push(el("p", { text: `⚠ ${problem}` }));
  box.replaceChildren(...parts);
}

async function loadRunSheets() {
  try {
    sheets = await (await api("/api/facilitator/runsheets")).json();
  } catch (e) { sheets = []; }
  const select = $("lesson-select");
  select.replaceChildren(...sheets.map((s) => el("option", { value: s.lesson_id, text: `${s.number ?? ""} ${s.title}`.trim() })));
  const preferred = (state && state.clock && state.clock.lesson_id) || (state && state.lessons && state.lessons[0]);
  if (preferred && sheets.some((s) => s.lesson_id === preferred)) select.value = preferred;
  renderRunSheet();
}

function applyState(next) {
  state = next;
  clockOffset = state.now - Date.now() / 1000;
  $("title").textContent = state.title;
  document.title = `${state.title} · room view`;
  $("join-code").textContent = state.join_code;
  $("room-size").textContent = state.room_size;
  $("answer-count").textContent = state.answers_received;
  $("connection").textContent = "✔ live";
  showError("");
  renderQuestions();
  renderTimer();
  renderRunSheet();
}

function lost(error) {
  $("connection").textContent = "✘ lost";
  showError(token ? `Cannot reach the session server: ${error.message}` :
    "This page needs the facilitator link (…/room#token=…) printed by `frontline live serve`.");
}

async function refresh() {
  try {
    applyState(await (await api("/api/facilitator/state")).json());
  } catch (e) { lost(e); }
}

async function follow() {
  while (token) {
    try {
      const response = await api("/api/facilitator/events", { headers: { Accept: "text/event-stream" } });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6)).join("\n");
          if (data) applyState(JSON.parse(data));
        }
      }
      lost(new Error("the connection was closed"));
    } catch (e) { lost(e); }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

document.querySelectorAll("[data-timer]").forEach((button) => button.addEventListener("click", async () => {
  const seconds = Math.round(Number($("timer-minutes").value) * 60) || undefined;
  try {
    await api("/api/facilitator/timer", { method: "POST", body: JSON.stringify({ action: button.dataset.timer, seconds }) });
    announce(`Timer ${button.dataset.timer}.`);
    await refresh();
  } catch (e) { showError(`Timer: ${e.message}`); }
}));

$("clock-start").addEventListener("click", async () => {
  await api("/api/facilitator/clock", { method: "POST", body: JSON.stringify({ lesson_id: $("lesson-select").value }) });
  announce("Module clock started."); await refresh();
});
$("clock-stop").addEventListener("click", async () => {
  await api("/api/facilitator/clock", { method: "POST", body: JSON.stringify({ lesson_id: null }) });
  announce("Module clock stopped."); await refresh();
});
$("lesson-select").addEventListener("change", renderRunSheet);

document.querySelectorAll("[data-export]").forEach((button) => button.addEventListener("click", async () => {
  try {
    const blob = await (await api(`/api/facilitator/export/${button.dataset.export}`)).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: button.dataset.export });
    document.body.append(link); link.click(); link.remove();
  } catch (e) { showError(`Export: ${e.message}`); }
}));

$("question-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const scenario = form.get("scenario").trim();
  let body;
  if (scenario) body = { scenario };
  else {
    body = { question_id: form.get("question_id").trim(), kind: form.get("kind"), title: form.get("title").trim(),
      options: form.get("options").split("\n").map((s) => s.trim()).filter(Boolean), debrief: form.get("debrief") };
    if (form.get("answer").trim()) body.answer = form.get("answer").trim();
  }
  try {
    await api("/api/facilitator/questions", { method: "POST", body: JSON.stringify(body) });
    event.target.reset(); announce("Question added."); await refresh();
  } catch (e) { showError(`Could not add the question: ${e.message}`); }
});

if (token) refresh().then(loadRunSheets); else lost(new Error("no token"));
follow();
setInterval(renderTimer, 250);
