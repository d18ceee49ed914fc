// Violet's workspace: the tool's form streams its draft from POST /stream/violet/generate
// (Server-Sent Events: start, delta…, then done or error) and shows it as it is written.
// Where streaming is not served (503 streaming_unavailable) it asks the JSON API instead.
// Without JavaScript the form posts to the page, which answers with the finished draft.
(() => {
  "use strict";

  const copyText = async (text, button) => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Copy failed: select the text";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 2500);
  };

  // The draft page's copy button.
  for (const button of document.querySelectorAll("[data-copy-target]")) {
    const target = document.getElementById(button.dataset.copyTarget);
    if (!target) continue;
    button.hidden = false;
    button.addEventListener("click", () => copyText(target.innerText.trim(), button));
  }

  const form = document.getElementById("violet-form");
  if (!form) return;
  const draft = document.getElementById("violet-draft");
  const output = draft.querySelector("[data-output]");
  const status = draft.querySelector("[data-status]");
  const errorBox = draft.querySelector("[data-error]");
  const labelBox = draft.querySelector("[data-label]");
  const actions = draft.querySelector("[data-actions]");
  const saveForm = actions.querySelector("[data-save-form]");
  const useLink = actions.querySelector("[data-use]");
  const openLink = actions.querySelector("[data-open]");
  const copyButton = actions.querySelector("[data-copy]");
  const submit = form.querySelector("button[type=submit]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let text = "";
  let busy = false;

  const urlFor = (template, id, tail) => template.replace(`/0${tail}`, `/${id}${tail}`);

  const inputsOf = () => {
    const inputs = {};
    for (const element of form.elements) {
      if (!element.name || !element.name.startsWith("inputs-")) continue;
      const name = element.name.slice("inputs-".length);
      const value = element.value.trim();
      if (value === "") continue;
      inputs[name] = element.dataset.kind ? Number.parseInt(value, 10) : element.value;
    }
    return inputs;
  };

  const setRemaining = (usage) => {
    if (!usage) return;
    for (const box of document.querySelectorAll("[data-remaining]")) {
      box.textContent = String(usage.remaining);
    }
  };

  const showFacts = (facts) => {
    const list = document.querySelector("[data-facts]");
    if (!list || !facts) return;
    const sources = { profile: "your profile", platform: "Umbrella", you: "you typed" };
    list.replaceChildren();
    for (const fact of facts) {
      const term = document.createElement("dt");
      term.textContent = `${fact.label} `;
      const source = document.createElement("small");
      source.className = "muted";
      source.textContent = `(${sources[fact.source] || fact.source})`;
      term.append(source);
      const value = document.createElement("dd");
      value.textContent = fact.value;
      list.append(term, value);
    }
  };

  const start = (generation, usage) => {
    text = "";
    output.replaceChildren();
    output.setAttribute("aria-busy", "true");
    labelBox.hidden = !generation.offline;
    labelBox.querySelector("span").textContent = generation.label;
    status.textContent = "Violet is writing…";
    showFacts(generation.facts);
    setRemaining(usage);
  };

  const append = (piece) => {
    text += piece;
    output.append(document.createTextNode(piece));
  };

  const finish = (generation, usage) => {
    output.setAttribute("aria-busy", "false");
    if (generation.output && generation.output !== text) {
      output.textContent = generation.output; // the recorded draft is the reference
      text = generation.output;
    }
    status.textContent = generation.offline ? "Offline draft ready." : "Draft ready.";
    setRemaining(usage);
    actions.hidden = false;
    openLink.href = urlFor(form.dataset.generationUrl, generation.id, "/");
    saveForm.hidden = !generation.save_field;
    if (generation.save_field) {
      saveForm.action = urlFor(form.dataset.saveUrl, generation.id, "/save");
      saveForm.querySelector("[data-save]").textContent = `Save as your ${generation.save_field}`;
    }
    useLink.hidden = !(generation.tool === "gig_pitch" && generation.gig_id);
    if (!useLink.hidden) {
      useLink.href = `${urlFor(form.dataset.gigUrl, generation.gig_id, "/")}?draft=${generation.id}`;
    }
  };

  const fail = (error, usage) => {
    output.setAttribute("aria-busy", "false");
    status.textContent = "";
    let message = error && error.message ? error.message : "Something went wrong. Try again.";
    const details = (error && error.details) || {};
    if (details.inputs && typeof details.inputs === "object") {
      message += " " + Object.values(details.inputs).flat().join(" ");
    }
    errorBox.textContent = message;
    setRemaining(usage || (error && error.code === "violet_limit_reached" ? details : null));
  };

  const readEvents = async (response) => {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let ended = false;
    const handle = (block) => {
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (!data.length) return;
      const payload = JSON.parse(data.join("\n"));
      if (name === "start") start(payload.generation, payload.usage);
      else if (name === "delta") append(payload.text);
      else if (name === "done") { ended = true; finish(payload.generation, payload.usage); }
      else if (name === "error") { ended = true; fail(payload.error, payload.usage); }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        handle(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
    if (!ended) fail({ message: "The connection was lost before the draft was finished." });
  };

  const post = (url, accept) => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: accept, "X-CSRFToken": csrf },
    body: JSON.stringify({ tool: form.dataset.tool, inputs: inputsOf() }),
  });

  const answerOf = async (response) => {
    try { return await response.json(); } catch (error) { return null; }
  };

  const viaApi = async () => {
    status.textContent = "Violet is writing…";
    output.setAttribute("aria-busy", "true");
    const response = await post(form.dataset.apiUrl, "application/json");
    const answer = await answerOf(response);
    if (!response.ok || !answer) { fail(answer && answer.error); return; }
    start(answer.generation, answer.usage);
    append(answer.generation.output);
    finish(answer.generation, answer.usage);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    submit.setAttribute("aria-busy", "true");
    submit.disabled = true;
    errorBox.textContent = "";
    actions.hidden = true;
    try {
      const response = await post(form.dataset.streamUrl, "text/event-stream");
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.startsWith("text/event-stream")) {
        await readEvents(response);
      } else {
        const answer = await answerOf(response);
        if (answer && answer.error && answer.error.code === "streaming_unavailable") {
          await viaApi();
        } else {
          fail(answer && answer.error);
        }
      }
    } catch (error) {
      fail({ message: "The connection was lost. Check your network and try again." });
    } finally {
      busy = false;
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      output.focus({ preventScroll: true });
    }
  });

  copyButton.addEventListener("click", () => copyText(text.trim(), copyButton));
})();
