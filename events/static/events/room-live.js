// The live room page (docs/rooms.md, "Live room page"). Progressive enhancement: the server
// renders the room as it is, with the sequence number of its last event; without this script
// the page is readable and joining, leaving and drawing work as plain forms.
//
// One WebSocket to /ws/rooms/ (the session cookie signs it in). The page subscribes with
// since_seq = the last sequence number it has applied, so the server replays exactly what came
// after (no gap), and every event at or below that number is ignored (no duplicate). After a
// drop it reconnects with backoff and does the same. A gap in the numbers (which the server
// never sends) makes it resubscribe; a log that no longer reaches back (complete: false)
// reloads the page.
//
// Draws: the winners of a draw arrive before its draw:revealed event; they are held back and
// shown together when the reveal arrives, so everyone sees them at the same moment. Quiz: the
// countdown runs on the server's clock (the page's render time, corrected by the request's
// timing); answers go over the socket, the person is the socket's. The correct answer is only
// ever in quiz:question_closed.
(function () {
  "use strict";
  var root = document.getElementById("room-live");
  var source = document.getElementById("room-live-data");
  if (!root || !source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var roomId = data.room_id;
  var apiRoom = "/api/v1/rooms/" + roomId;
  var lastSeq = data.seq;
  var status = data.status;
  var can = data.can || {};
  var names = new Map();
  Object.keys(data.names || {}).forEach(function (key) { names.set(Number(key), data.names[key]); });
  var participantsCount = data.participants_count;
  var winnersCount = data.winners_count;
  var prizes = new Map();
  (data.prizes || []).forEach(function (p) { prizes.set(p.id, p); });
  var heldWinners = new Map(); // prize id -> winners waiting for their draw's reveal
  var revealing = Promise.resolve();
  var quiz = data.quiz;
  var myAnswers = new Map(); // question id -> {answer_index, correct?}
  if (quiz) {
    (quiz.my_answers || []).forEach(function (a) { myAnswers.set(a.question_id, a); });
  }
  var lastCount = quiz && quiz.question ? quiz.question.count : null;
  var lastIndex = quiz && quiz.question ? quiz.question.index : null;

  var socket = null;
  var paused = false;
  var stopped = false;
  var attempts = 0;
  var retryTimer = null;
  var pingTimer = null;
  var countdownTimer = null;
  var settleTimer = null;
  var awaiting = null; // "answer" or "control": what an error from the socket is about
  var drawing = null; // the draw form whose request is out

  var $ = function (selector, within) { return (within || root).querySelector(selector); };
  var liveStatus = $("[data-live-status]");
  var announcer = $("[data-announce]");

  // --- the server's clock -----------------------------------------------------------------------

  var offset = 0; // server time - Date.now(), ms
  (function syncFromPage() {
    var server = Date.parse(data.server_now);
    if (isNaN(server)) {
      return;
    }
    var nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    if (nav && nav.responseStart > 0) {
      // The server read its clock between the request and the first byte of the answer.
      offset = server - (performance.timeOrigin + (nav.requestStart + nav.responseStart) / 2);
    } else {
      offset = server - Date.now();
    }
  })();
  var bestRoundTrip = Infinity;

  function serverNow() {
    return Date.now() + offset;
  }

  // --- small helpers ----------------------------------------------------------------------------

  function say(text) {
    if (liveStatus) {
      liveStatus.textContent = text;
    }
  }

  var toAnnounce = [];
  function announce(text) {
    // Said together when several arrive at once (a close, then the next question), so one
    // does not cut the other off; cleared first, so the same words twice are said twice.
    if (!announcer) {
      return;
    }
    toAnnounce.push(text);
    if (toAnnounce.length === 1) {
      announcer.textContent = "";
      window.setTimeout(function () {
        announcer.textContent = toAnnounce.join(" ");
        toAnnounce = [];
      }, 100);
    }
  }

  function freshFor(node) {
    // Newly arrived rows stand out for a little while.
    node.classList.add("fresh");
    window.setTimeout(function () { node.classList.remove("fresh"); }, 10000);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) {
      return input.value;
    }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function api(method, url, body) {
    var started = Date.now();
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = csrfToken();
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (payload) {
        return { ok: response.ok, status: response.status, data: payload, started: started, ended: Date.now() };
      });
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function removeEmpty(list) {
    var empty = list && list.querySelector("[data-empty]");
    if (empty) {
      empty.remove();
    }
  }

  // As many rows as the server lists (events/selectors_room_live.py); the counts stay exact.
  var LISTED = { people: 100, winners: 200, draws: 20 };

  function trim(list, most) {
    var rows = list.querySelectorAll(":scope > li:not([data-empty])");
    for (var i = most; i < rows.length; i += 1) {
      rows[i].remove();
    }
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(1) + " s";
  }

  function nameOf(participantId) {
    if (names.has(participantId)) {
      return Promise.resolve(names.get(participantId));
    }
    return api("GET", apiRoom + "/participants/" + participantId)
      .then(function (result) {
        var name = result.ok && result.data.display_name ? result.data.display_name : "Participant #" + participantId;
        names.set(participantId, name);
        return name;
      })
      .catch(function () { return "Participant #" + participantId; });
  }

  function listing(items) {
    if (items.length <= 1) {
      return items.join("");
    }
    return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
  }

  function focusIfLost(target) {
    // After a control disappears, keyboard users keep their place on something close by.
    var active = document.activeElement;
    if (!active || active === document.body || active.closest("[hidden]") || active.offsetParent === null) {
      if (target) {
        target.focus();
      }
    }
  }

  // --- the room ---------------------------------------------------------------------------------

  var STATUS_LABELS = { draft: "Draft", active: "Active", completed: "Completed", cancelled: "Cancelled" };

  function setStatus(newStatus) {
    status = newStatus;
    var badge = $("[data-field=status]");
    badge.setAttribute("data-status", newStatus);
    badge.textContent = STATUS_LABELS[newStatus] || newStatus;
    root.querySelectorAll("[data-prize-id]").forEach(updatePrizeRow);
    updateQuizControls();
  }

  function refreshRoom() {
    api("GET", apiRoom).then(function (result) {
      if (!result.ok) {
        return;
      }
      var room = result.data;
      $("[data-field=name]").textContent = room.name;
      document.title = room.name + " · Umbrella";
      var description = $("[data-field=description]");
      description.textContent = room.description;
      description.hidden = !room.description;
      $("[data-field=visibility]").textContent = room.is_public ? "Public room" : "Private room";
    }).catch(function () {});
  }

  function roomGone() {
    stopped = true;
    status = "deleted";
    var badge = $("[data-field=status]");
    badge.setAttribute("data-status", "deleted");
    badge.textContent = "Deleted";
    root.querySelectorAll("[data-draw-form], [data-quiz-controls]").forEach(function (node) { node.hidden = true; });
    say("This room was deleted.");
    announce("This room was deleted.");
    stopSocket();
  }

  // --- people -----------------------------------------------------------------------------------

  function setParticipantsCount() {
    $("[data-participants-count]").textContent = String(participantsCount);
    var list = $("[data-participant-list]");
    trim(list, LISTED.people);
    var listed = list.querySelectorAll("[data-participant-id]").length;
    var more = $("[data-participants-more]");
    more.textContent = "The newest " + listed + " are shown.";
    more.hidden = participantsCount <= listed;
  }

  function addParticipant(p) {
    names.set(p.id, p.display_name);
    var list = $("[data-participant-list]");
    var item = list.querySelector("[data-participant-id='" + p.id + "']");
    if (!item) {
      removeEmpty(list);
      item = element("li");
      freshFor(item);
      item.setAttribute("data-participant-id", String(p.id));
      item.setAttribute("data-testid", "participant");
      list.insertBefore(item, list.firstChild);
    }
    item.textContent = p.display_name;
    if (p.role && p.role !== "participant") {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(element("span", "role", p.role));
    }
  }

  function removeParticipant(p) {
    var item = $("[data-participant-list] [data-participant-id='" + p.id + "']");
    if (item) {
      item.remove();
    }
  }

  function onParticipant(type, p) {
    var active = p.status === "active";
    if (type === "participant:joined" && active) {
      participantsCount += 1;
      addParticipant(p);
    } else if (type === "participant:left" && active) {
      participantsCount = Math.max(0, participantsCount - 1);
      removeParticipant(p);
    } else if (type === "participant:updated") {
      var changed = p.changed || [];
      if (changed.indexOf("status") !== -1 && active) {
        participantsCount += 1; // approved: a member now
      }
      if (active) {
        addParticipant(p);
      }
      if (p.user_id === data.user_id && changed.indexOf("role") !== -1) {
        window.location.reload(); // what I may do here changed: the server draws it again
        return;
      }
    }
    setParticipantsCount();
  }

  // --- prizes, draws, winners ---------------------------------------------------------------------

  function prizeRemaining(prize) {
    return Math.max(0, prize.quantity - prize.awarded);
  }

  function updatePrizeRow(row) {
    var prize = prizes.get(Number(row.getAttribute("data-prize-id")));
    if (!prize) {
      return;
    }
    row.querySelector("[data-prize-name]").textContent = prize.name;
    row.querySelector("[data-prize-left]").textContent = prizeRemaining(prize) + " of " + prize.quantity + " left";
    var form = row.querySelector("[data-draw-form]");
    if (form) {
      var label = form.querySelector("[data-prize-label]");
      if (label) {
        label.textContent = prize.name;
      }
      form.hidden = status !== "active" || prizeRemaining(prize) === 0;
    }
  }

  function upsertPrize(p) {
    var known = prizes.get(p.id);
    var prize = known || { id: p.id, awarded: 0 };
    prize.name = p.name;
    prize.quantity = p.quantity;
    if (p.quantity_remaining > 0 || !known) {
      // remaining = max(0, quantity - awarded) (docs/rooms.md, "Prizes")
      prize.awarded = Math.max(0, p.quantity - p.quantity_remaining);
    }
    prizes.set(p.id, prize);
    var list = $("[data-prize-list]");
    var row = list.querySelector("[data-prize-id='" + p.id + "']");
    if (!row) {
      var blank = $("[data-prize-template]");
      if (blank) {
        row = blank.content.firstElementChild.cloneNode(true);
        row.querySelector("[data-prize-input]").value = String(p.id);
        bindDrawForm(row.querySelector("[data-draw-form]"));
      } else {
        row = element("li", "prize");
        var label = element("span", "prize-name");
        label.appendChild(element("strong", "", p.name)).setAttribute("data-prize-name", "");
        label.appendChild(document.createTextNode(" "));
        label.appendChild(element("span", "muted")).setAttribute("data-prize-left", "");
        row.appendChild(label);
      }
      row.setAttribute("data-prize-id", String(p.id));
      removeEmpty(list);
      list.appendChild(row);
    }
    updatePrizeRow(row);
  }

  function removePrize(p) {
    prizes.delete(p.id);
    var row = $("[data-prize-list] [data-prize-id='" + p.id + "']");
    if (row) {
      var focused = row.contains(document.activeElement);
      row.remove();
      if (focused) {
        $("#prizes-title").setAttribute("tabindex", "-1");
        $("#prizes-title").focus();
      }
    }
  }

  function awardToPrize(prizeId, units) {
    var prize = prizes.get(prizeId);
    if (prize) {
      prize.awarded = Math.max(0, prize.awarded + units);
      var row = $("[data-prize-list] [data-prize-id='" + prizeId + "']");
      if (row) {
        updatePrizeRow(row);
      }
    }
  }

  function setWinnersCount() {
    $("[data-winners-count]").textContent = String(winnersCount);
  }

  function addWinner(w, name, prizeName) {
    var list = $("[data-winner-list]");
    if (list.querySelector("[data-winner-id='" + w.id + "']")) {
      return;
    }
    removeEmpty(list);
    var item = element("li");
    freshFor(item);
    item.setAttribute("data-winner-id", String(w.id));
    item.setAttribute("data-prize-id", String(w.prize_id));
    item.setAttribute("data-testid", "winner");
    item.appendChild(element("strong", "", name));
    item.appendChild(document.createTextNode(" won " + prizeName + " "));
    var how = element("small", "muted");
    if (w.draw_number) {
      how.appendChild(document.createTextNode("("));
      var link = element("a", "", "draw #" + w.draw_number);
      link.href = "/rooms/" + roomId + "/draws/" + w.draw_number + "/";
      how.appendChild(link);
      how.appendChild(document.createTextNode(")"));
    } else {
      how.textContent = "(picked by an organizer)";
    }
    item.appendChild(how);
    list.insertBefore(item, list.firstChild);
    trim(list, LISTED.winners);
    winnersCount += 1;
    setWinnersCount();
  }

  function onWinnerSelected(w) {
    if (w.draw_id) {
      // Part of a draw: shown with the others when the draw is revealed.
      var held = heldWinners.get(w.prize_id) || [];
      held.push(w);
      heldWinners.set(w.prize_id, held);
      return;
    }
    awardToPrize(w.prize_id, 1);
    var prize = prizes.get(w.prize_id);
    var prizeName = prize ? prize.name : "a prize";
    revealing = revealing.then(function () {
      return nameOf(w.participant_id).then(function (name) {
        addWinner(w, name, prizeName);
        announce(name + " won " + prizeName + ".");
      });
    });
  }

  function onWinnerRevoked(w) {
    var item = $("[data-winner-list] [data-winner-id='" + w.id + "']");
    if (item) {
      item.remove();
    }
    winnersCount = Math.max(0, winnersCount - 1);
    setWinnersCount();
    awardToPrize(w.prize_id, -1);
  }

  function onDrawRevealed(d) {
    var held = heldWinners.get(d.prize_id) || [];
    heldWinners.delete(d.prize_id);
    var prize = prizes.get(d.prize_id);
    var prizeName = prize ? prize.name : "a prize";
    revealing = revealing.then(function () {
      // Every name first: the winners appear together, in the draw's order.
      return Promise.all(d.result.map(nameOf)).then(function (winnerNames) {
        showDraw(d, prizeName, winnerNames);
        held.forEach(function (w) {
          addWinner({ id: w.id, prize_id: w.prize_id, draw_number: d.number }, names.get(w.participant_id), prizeName);
        });
        awardToPrize(d.prize_id, d.result.length);
        var who = winnerNames.length ? listing(winnerNames) : "nobody";
        announce("Draw " + d.number + " for " + prizeName + ": " + who + (winnerNames.length === 1 ? " wins." : " win."));
        if (drawing && (drawing.hidden || !document.body.contains(drawing))) {
          $("#draws-title").focus();
        }
        drawing = null;
      });
    });
  }

  function showDraw(d, prizeName, winnerNames) {
    var list = $("[data-draw-list]");
    if (list.querySelector("[data-draw-number='" + d.number + "']")) {
      return;
    }
    removeEmpty(list);
    var item = element("li", "draw-result");
    freshFor(item);
    item.setAttribute("data-draw-number", String(d.number));
    item.setAttribute("data-testid", "draw");
    var title = element("p", "draw-title");
    title.appendChild(element("strong", "", "Draw #" + d.number));
    title.appendChild(document.createTextNode(" · " + prizeName));
    item.appendChild(title);
    var won = element("p", "", "Won by ");
    won.appendChild(element("span", "", winnerNames.join(", ") || "nobody")).setAttribute("data-draw-winners", "");
    item.appendChild(won);
    var verify = element("p");
    var link = element("a", "", "Verify draw #" + d.number);
    link.href = "/rooms/" + roomId + "/draws/" + d.number + "/";
    verify.appendChild(link);
    if (d.method === "app") {
      verify.appendChild(document.createTextNode(" "));
      verify.appendChild(element("span", "muted", "(winners chosen by the room's app)"));
    } else if (d.fallback_used) {
      verify.appendChild(document.createTextNode(" "));
      verify.appendChild(element("span", "muted", "(the app failed: the platform's verifiable draw)"));
    }
    item.appendChild(verify);
    list.insertBefore(item, list.firstChild);
    trim(list, LISTED.draws);
  }

  function onCommitted(c) {
    $("[data-commitment-value]").textContent = c.seed_hash;
    $("[data-chain-length]").textContent = String(c.chain_length);
    $("[data-commitment-made]").hidden = false;
    $("[data-commitment-waiting]").hidden = true;
    announce("The fairness commitment is published.");
  }

  function drawError(text) {
    var box = $("[data-draw-error]");
    if (box) {
      box.textContent = text;
    }
  }

  function bindDrawForm(form) {
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      if (button.getAttribute("aria-disabled") === "true") {
        return;
      }
      var prizeId = Number(form.querySelector("[data-prize-input]").value);
      button.setAttribute("aria-disabled", "true");
      drawError("");
      drawing = form;
      say("Drawing…");
      api("POST", apiRoom + "/draw", { prize_ids: [prizeId] })
        .then(function (result) {
          if (!result.ok) {
            drawing = null;
            drawError(result.data.error ? result.data.error.message : "The draw did not work.");
          }
          // On success the result arrives as a live event, for everyone at once.
          say(socket && socket.readyState === WebSocket.OPEN ? "Live" : "Reconnecting…");
        })
        .catch(function () {
          drawing = null;
          drawError("Could not reach the server: check your connection and try again.");
        })
        .finally(function () { button.removeAttribute("aria-disabled"); });
    });
  }

  root.querySelectorAll("[data-draw-form]").forEach(bindDrawForm);

  // --- the quiz ---------------------------------------------------------------------------------

  var quizBox = $("[data-quiz]");
  var QUIZ_STATUS_TEXT = {
    idle: "The quiz has not started yet.",
    between: "Between questions.",
    question_open: "A question is open.",
    finished: "The quiz is over.",
  };

  function feedback(text) {
    var box = $("[data-answer-feedback]");
    if (box) {
      box.textContent = text;
    }
  }

  function updateQuizControls() {
    var controls = $("[data-quiz-controls]");
    if (!controls || !quiz) {
      return;
    }
    var open = status === "active";
    var running = quiz.status === "between" || quiz.status === "question_open";
    var last = lastIndex !== null && lastCount !== null && lastIndex + 1 >= lastCount;
    controls.querySelectorAll("[data-quiz-action]").forEach(function (button) {
      var action = button.getAttribute("data-quiz-action");
      var show = open && ((action === "quiz:start" && quiz.status === "idle") ||
        (action === "quiz:next_question" && running && !last) ||
        (action === "quiz:end" && running));
      button.hidden = !show;
      button.disabled = !connected();
      if (action === "quiz:next_question") {
        button.textContent = quiz.status === "question_open" ? "Close this question, show the next" : "Show the next question";
      }
    });
    controls.hidden = !open || quiz.status === "finished";
  }

  function connected() {
    return !!socket && socket.readyState === WebSocket.OPEN && root.getAttribute("data-live") === "ready";
  }

  function showQuizStatus() {
    if (!quizBox || !quiz) {
      return;
    }
    $("[data-quiz-status]").textContent = QUIZ_STATUS_TEXT[quiz.status] || "";
    updateQuizControls();
  }

  function optionButtons() {
    return root.querySelectorAll("[data-options] [data-answer]");
  }

  function canAnswer(question) {
    return can.quiz_answer && question && !myAnswers.has(question.question_id) && serverNow() < Date.parse(question.closes_at);
  }

  function paintOptions() {
    var question = quiz && quiz.question;
    var mine = question ? myAnswers.get(question.question_id) : null;
    if (!can.quiz_answer) {
      return; // the options are text for those who do not answer
    }
    optionButtons().forEach(function (button) {
      var index = Number(button.getAttribute("data-answer"));
      button.disabled = false; // aria-disabled keeps them focusable once answered
      button.setAttribute("aria-disabled", canAnswer(question) && connected() ? "false" : "true");
      button.setAttribute("aria-pressed", mine && mine.answer_index === index ? "true" : "false");
    });
  }

  function renderQuestion(question) {
    var box = $("[data-question]");
    if (!box) {
      return;
    }
    box.hidden = false;
    box.setAttribute("data-question-id", question.question_id);
    $("[data-question-title]").textContent = "Question " + (question.index + 1) + " of " + question.count;
    $("[data-question-text]").textContent = question.text;
    var list = $("[data-options]");
    list.textContent = "";
    question.options.forEach(function (text, index) {
      var item = element("li");
      var option = element(can.quiz_answer ? "button" : "span", "option", text);
      if (can.quiz_answer) {
        option.type = "button";
      }
      option.setAttribute("data-answer", String(index));
      item.appendChild(option);
      list.appendChild(item);
    });
    $("[data-answer-count]").textContent = "";
    feedback("");
    paintOptions();
    startCountdown(question);
  }

  function startCountdown(question) {
    window.clearInterval(countdownTimer);
    window.clearTimeout(settleTimer);
    var clock = $("[data-countdown]");
    var closes = Date.parse(question.closes_at);
    var told = false;
    function tick() {
      var left = closes - serverNow();
      if (left > 0) {
        // The clock estimate may lag the server's by up to half a slow page's answer time:
        // never show more than the question has.
        var secondsLeft = Math.min(Math.ceil(left / 1000), question.time_limit_s || Infinity);
        clock.textContent = secondsLeft + (secondsLeft === 1 ? " second" : " seconds") + " left";
        clock.classList.toggle("urgent", secondsLeft <= 5);
        return;
      }
      window.clearInterval(countdownTimer);
      clock.classList.remove("urgent");
      clock.textContent = "Time is up: the answer comes when the question closes.";
      paintOptions();
      if (!told) {
        told = true;
        announce("Time is up.");
      }
    }
    tick();
    countdownTimer = window.setInterval(tick, 250);
    // If nothing has closed the question by its settling time, a read closes it (the server's
    // lazy close); a little jitter keeps a full room from asking at the same instant.
    var settles = Date.parse(question.settles_at || question.closes_at) + 300 + Math.random() * 1200;
    settleTimer = window.setTimeout(function () { settle(question.question_id, 0); }, Math.max(0, settles - serverNow()));
  }

  function settle(questionId, tries) {
    if (!quiz || !quiz.question || quiz.question.question_id !== questionId || tries > 5) {
      return;
    }
    readQuiz().then(function (state) {
      if (state && !connected()) {
        applyQuizState(state); // nobody pushes to this page: the read's answer is the news
      }
      if (quiz.question && quiz.question.question_id === questionId) {
        settleTimer = window.setTimeout(function () { settle(questionId, tries + 1); }, 1500 * (tries + 1));
      }
    });
  }

  function readQuiz() {
    return api("GET", apiRoom + "/quiz")
      .then(function (result) {
        if (!result.ok) {
          return null;
        }
        var roundTrip = result.ended - result.started;
        var server = Date.parse(result.data.server_time);
        if (!isNaN(server) && roundTrip < bestRoundTrip) {
          bestRoundTrip = roundTrip;
          offset = server - (result.started + result.ended) / 2;
        }
        return result.data;
      })
      .catch(function () { return null; });
  }

  function refreshLeaderboard() {
    // After a close: the leaderboard counts it now (a little jitter spreads a full room).
    window.setTimeout(function () {
      readQuiz().then(function (state) {
        if (state) {
          (state.leaderboard || []).forEach(function (row) { names.set(row.participant_id, row.display_name); });
          renderLeaderboard(state.leaderboard || []);
          (state.my_answers || []).forEach(function (a) { myAnswers.set(a.question_id, a); });
        }
      });
    }, Math.random() * 800);
  }

  function renderLeaderboard(rows) {
    var body = $("[data-leaderboard-rows]");
    if (!body) {
      return;
    }
    body.textContent = "";
    if (!rows.length) {
      var empty = element("tr");
      empty.setAttribute("data-empty", "");
      var cell = element("td", "muted", "No scores yet: the leaderboard counts closed questions.");
      cell.colSpan = 4;
      empty.appendChild(cell);
      body.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var tr = element("tr");
      tr.setAttribute("data-participant-id", String(row.participant_id));
      tr.appendChild(element("td", "", String(row.rank)));
      tr.appendChild(element("td", "", row.display_name));
      tr.appendChild(element("td", "", row.correct + " of " + row.answered));
      tr.appendChild(element("td", "", seconds(row.total_response_ms)));
      body.appendChild(tr);
    });
  }

  function showRoundResult(closed, winnerName) {
    var box = $("[data-round-result]");
    if (!box) {
      return;
    }
    box.hidden = false;
    box.textContent = "";
    var p = element("p");
    p.appendChild(document.createTextNode("Question " + (closed.index + 1) + ", “" + closed.text + "”: the answer was "));
    p.appendChild(element("strong", "", closed.options[closed.correct_index] || "—"));
    p.appendChild(document.createTextNode("."));
    if (winnerName) {
      p.appendChild(document.createTextNode(" First right answer: "));
      p.appendChild(element("strong", "", winnerName));
      p.appendChild(document.createTextNode("."));
    }
    box.appendChild(p);
  }

  function onQuestionShown(question) {
    quiz.question = question;
    quiz.status = "question_open";
    lastCount = question.count;
    lastIndex = question.index;
    awaiting = awaiting === "control" ? null : awaiting;
    renderQuestion(question);
    showQuizStatus();
    announce("Question " + (question.index + 1) + " of " + question.count + ": " + question.text);
    var active = document.activeElement;
    var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
    if (can.quiz_answer && !typing) {
      $("[data-question-title]").focus();
    }
  }

  function onQuestionClosed(closed) {
    var question = quiz.question && quiz.question.question_id === closed.question_id ? quiz.question : null;
    window.clearInterval(countdownTimer);
    window.clearTimeout(settleTimer);
    var mine = myAnswers.get(closed.question_id);
    if (mine) {
      mine.correct = mine.answer_index === closed.correct_index;
    }
    var result = {
      question_id: closed.question_id,
      index: question ? question.index : 0,
      text: question ? question.text : "",
      options: question ? question.options : [],
      correct_index: closed.correct_index,
    };
    quiz.rounds = (quiz.rounds || []).concat([result]);
    if (question) {
      optionButtons().forEach(function (button) {
        var index = Number(button.getAttribute("data-answer"));
        if (button.tagName === "BUTTON") {
          button.setAttribute("aria-disabled", "true");
        }
        if (index === closed.correct_index) {
          button.classList.add("is-correct");
          button.appendChild(element("span", "visually-hidden", " (the right answer)"));
        } else if (mine && mine.answer_index === index) {
          button.classList.add("is-wrong");
          button.appendChild(element("span", "visually-hidden", " (your answer)"));
        }
      });
      $("[data-countdown]").textContent = "This question is closed.";
    }
    var answer = result.options[closed.correct_index] || "";
    var verdict = "";
    if (can.quiz_answer) {
      verdict = !mine ? "You did not answer this one." : mine.correct ? "You were right!" : "Not this time.";
      feedback(verdict);
    }
    $("[data-answer-count]").textContent = closed.answers + (closed.answers === 1 ? " answer, " : " answers, ") + closed.correct_answers + " right.";
    showRoundResult(result, null);
    announce("Question closed. The answer was " + answer + ". " + verdict);
    refreshLeaderboard();
  }

  function onRoundWinner(w) {
    nameOf(w.participant_id).then(function (name) {
      var last = quiz.rounds && quiz.rounds[quiz.rounds.length - 1];
      if (last && last.question_id === w.question_id) {
        showRoundResult(last, name + " (" + seconds(w.response_ms) + ")");
      }
      announce("First right answer: " + name + ".");
    });
  }

  function onQuizStatus(change) {
    quiz.status = change.new_status;
    if (change.new_status !== "question_open") {
      quiz.question = change.new_status === "between" || change.new_status === "finished" ? null : quiz.question;
    }
    if (awaiting === "control") {
      awaiting = null;
    }
    showQuizStatus();
    if (change.old_status === "idle") {
      announce("The quiz has started.");
    }
    focusIfLost($("[data-quiz-controls] [data-quiz-action]:not([hidden])") || $("#quiz-title"));
  }

  function onQuizFinished(done) {
    quiz.status = "finished";
    (done.leaderboard || []).forEach(function (row) { names.set(row.participant_id, row.display_name); });
    renderLeaderboard(done.leaderboard || []);
    showQuizStatus();
    var top = done.leaderboard && done.leaderboard[0];
    announce("The quiz is over." + (top ? " First place: " + top.display_name + "." : ""));
    focusIfLost($("#quiz-title"));
  }

  function onAnswerSubmitted(a) {
    // The room's count, told at most every 250 ms; this page's own answer is acknowledged
    // apart (quiz:answer_ack).
    var count = $("[data-answer-count]");
    if (count && quiz.question && quiz.question.question_id === a.question_id) {
      count.textContent = a.answers + (a.answers === 1 ? " answer so far." : " answers so far.");
    }
  }

  function onAnswerAck(mine) {
    // To this socket alone, once its answer is saved: the option and the time, no correctness.
    if (!quiz || !quiz.question || quiz.question.question_id !== mine.question_id) {
      return;
    }
    awaiting = null;
    myAnswers.set(mine.question_id, { question_id: mine.question_id, answer_index: mine.answer_index, response_ms: mine.response_ms });
    paintOptions();
    var text = quiz.question.options[mine.answer_index] || "";
    feedback("Your answer is in" + (text ? ": " + text : "") + ". The right one is shown when the question closes.");
  }

  function applyQuizState(state) {
    // For a page that hears nothing live (not subscribed): draw the state as read.
    quiz.status = state.status;
    (state.my_answers || []).forEach(function (a) { myAnswers.set(a.question_id, a); });
    if (state.question && (!quiz.question || quiz.question.question_id !== state.question.question_id)) {
      quiz.question = state.question;
      lastCount = state.question.count;
      lastIndex = state.question.index;
      renderQuestion(state.question);
    } else if (!state.question && quiz.question) {
      var closed = (state.rounds || []).filter(function (r) { return r.question_id === quiz.question.question_id; })[0];
      if (closed) {
        onQuestionClosed({ question_id: closed.question_id, correct_index: closed.correct_index, answers: 0, correct_answers: 0 });
        $("[data-answer-count]").textContent = "";
      }
      quiz.question = null;
    }
    renderLeaderboard(state.leaderboard || []);
    showQuizStatus();
  }

  function checkAnswer() {
    var question = quiz && quiz.question;
    readQuiz().then(function (state) {
      if (!state || !question || awaiting !== "answer") {
        return;
      }
      awaiting = null;
      var saved = (state.my_answers || []).some(function (a) { return a.question_id === question.question_id; });
      if (!saved) {
        myAnswers.delete(question.question_id);
        paintOptions();
        feedback("Your answer did not reach the server: answer again.");
      }
    });
  }

  function pollQuiz() {
    // A page that can't follow the room live (not a member) reads the quiz now and then: every
    // 5 s while it runs, every 15 s before it starts, not at all once it is over.
    if (!quiz || quiz.status === "finished" || status !== "active") {
      return;
    }
    window.setTimeout(function () {
      readQuiz().then(function (state) {
        if (state) {
          applyQuizState(state);
        }
        pollQuiz();
      });
    }, quiz.status === "idle" ? 15000 : 5000);
  }

  function sendAnswer(button) {
    var question = quiz && quiz.question;
    if (!question || button.getAttribute("aria-disabled") === "true" || !canAnswer(question)) {
      return;
    }
    if (!connected()) {
      feedback("Not connected: your answer was not sent. Try again in a moment.");
      return;
    }
    var index = Number(button.getAttribute("data-answer"));
    myAnswers.set(question.question_id, { question_id: question.question_id, answer_index: index });
    awaiting = "answer";
    paintOptions();
    feedback("Sending your answer…");
    socket.send(JSON.stringify({
      type: "quiz:answer",
      data: { room_id: roomId, question_id: question.question_id, answer_index: index },
    }));
  }

  if (quizBox) {
    quizBox.addEventListener("click", function (event) {
      var option = event.target.closest("[data-answer]");
      if (option && can.quiz_answer) {
        sendAnswer(option);
        return;
      }
      var control = event.target.closest("[data-quiz-action]");
      if (control && !control.disabled && connected()) {
        awaiting = "control";
        socket.send(JSON.stringify({ type: control.getAttribute("data-quiz-action"), data: { room_id: roomId } }));
      }
    });
    if (quiz && quiz.question) {
      renderQuestion(quiz.question);
      var answered = myAnswers.get(quiz.question.question_id);
      if (answered) {
        feedback("Your answer is in: " + quiz.question.options[answered.answer_index] + ". The right one is shown when the question closes.");
      }
    }
    showQuizStatus();
  }

  function onError(error) {
    var text = error.message || "That did not work.";
    if (awaiting === "answer" && quiz && quiz.question) {
      var question = quiz.question;
      if (error.code !== "already_answered" && error.code !== "question_closed") {
        myAnswers.delete(question.question_id); // not saved: answer again
      }
      paintOptions();
      feedback(text);
    } else if (awaiting === "control") {
      var box = $("[data-quiz-status]");
      if (box) {
        box.textContent = text;
      }
    } else {
      say(text);
    }
    awaiting = null;
  }

  // --- the socket -------------------------------------------------------------------------------

  var HANDLERS = {
    "room:status_changed": function (d) {
      setStatus(d.new_status);
      announce("The room is now " + (STATUS_LABELS[d.new_status] || d.new_status).toLowerCase() + ".");
    },
    "room:updated": refreshRoom,
    "room:deleted": roomGone,
    "participant:joined": function (d) { onParticipant("participant:joined", d); },
    "participant:left": function (d) { onParticipant("participant:left", d); },
    "participant:updated": function (d) { onParticipant("participant:updated", d); },
    "prize:created": upsertPrize,
    "prize:updated": upsertPrize,
    "prize:deleted": removePrize,
    "winner:selected": onWinnerSelected,
    "winner:revoked": onWinnerRevoked,
    "draw:committed": onCommitted,
    "draw:revealed": onDrawRevealed,
    "quiz:status_changed": function (d) { if (quiz) { onQuizStatus(d); } },
    "quiz:question_shown": function (d) { if (quiz) { onQuestionShown(d); } },
    "quiz:answer_submitted": function (d) { if (quiz) { onAnswerSubmitted(d); } },
    "quiz:question_closed": function (d) { if (quiz) { onQuestionClosed(d); } },
    "quiz:round_winner": function (d) { if (quiz) { onRoundWinner(d); } },
    "quiz:finished": function (d) { if (quiz) { onQuizFinished(d); } },
  };

  function onMessage(message) {
    var type = message.type;
    var body = message.data || {};
    if (body.room_id !== undefined && body.room_id !== roomId && body.room_id !== null) {
      return;
    }
    if (type === "room:subscribed") {
      if (!body.complete) {
        window.location.reload(); // the log no longer reaches back to this page's state
        return;
      }
      attempts = 0;
      root.setAttribute("data-live", "ready");
      say("Live");
      updateQuizControls();
      if (quiz && quiz.question) {
        paintOptions();
      }
      if (awaiting === "answer") {
        checkAnswer(); // the socket dropped while an answer was out: was it saved?
      }
      return;
    }
    if (type === "room:unsubscribed") {
      if (body.reason === "room_deleted") {
        roomGone();
      } else if (body.reason === "membership_ended") {
        stopSocket();
        window.location.reload(); // left or removed: the page shows what is left to do
      }
      return;
    }
    if (type === "error") {
      onError(body);
      return;
    }
    if (type === "quiz:answer_ack") {
      onAnswerAck(body); // not a room event: no sequence number of its own
      return;
    }
    if (typeof message.seq !== "number" || message.seq <= lastSeq) {
      return; // applied already (replayed, or in the page's state)
    }
    if (message.seq > lastSeq + 1) {
      resubscribe(); // never sent by the server; if it happens, ask again from what we have
      return;
    }
    lastSeq = message.seq;
    var handler = HANDLERS[type];
    if (handler) {
      handler(body);
    }
  }

  function resubscribe() {
    if (socket) {
      socket.close(4000, "resubscribe");
    }
  }

  function stopSocket() {
    paused = true;
    window.clearTimeout(retryTimer);
    if (socket) {
      socket.close();
    }
  }

  function connect() {
    if (paused || stopped) {
      return;
    }
    root.setAttribute("data-live", "connecting");
    say(attempts ? "Reconnecting…" : "Connecting…");
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + "/ws/rooms/", ["umbrella.v1"]);
    socket = ws;
    ws.addEventListener("open", function () {
      ws.send(JSON.stringify({ type: "room:subscribe", data: { room_id: roomId, since_seq: lastSeq } }));
      window.clearInterval(pingTimer);
    });
    ws.addEventListener("message", function (event) {
      if (ws !== socket) {
        return;
      }
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      onMessage(message);
    });
    ws.addEventListener("close", function (event) {
      if (ws !== socket) {
        return;
      }
      root.setAttribute("data-live", "closed");
      updateQuizControls();
      if (quiz && quiz.question) {
        paintOptions();
      }
      if (event.code === 4401) {
        stopped = true;
        say("Not live: sign in again to follow this room.");
        return;
      }
      if (paused || stopped) {
        say(stopped ? liveStatus.textContent : "Not live.");
        return;
      }
      attempts += 1;
      say("Reconnecting…");
      var delay = event.code === 4000 ? 0 : Math.min(15000, 500 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() / 2);
      retryTimer = window.setTimeout(connect, delay);
    });
  }

  // A person waiting for approval can't follow the room; the page looks now and then.
  function watchApproval() {
    window.setTimeout(function () {
      api("GET", apiRoom).then(function (result) {
        if (result.ok && result.data.my_role) {
          window.location.reload();
        } else if (result.ok) {
          watchApproval();
        }
      }).catch(watchApproval);
    }, 15000);
  }

  // For the browser tests: drop the socket and stay away, then come back.
  window.umbrellaRoomLive = {
    drop: function () {
      paused = true;
      window.clearTimeout(retryTimer);
      if (socket) {
        socket.close();
      }
    },
    resume: function () {
      paused = false;
      attempts = 0;
      connect();
    },
    lastSeq: function () { return lastSeq; },
  };

  setParticipantsCount();
  setWinnersCount();
  if (!can.subscribe && quiz) {
    pollQuiz();
  }
  if (can.subscribe) {
    connect();
  } else if (data.membership === "pending") {
    watchApproval();
    say("Not live yet: waiting for an organizer's approval.");
  } else if (data.membership !== "anonymous" && data.membership !== "none") {
    say("Not live.");
  } else {
    say("Join the room to follow it live.");
  }
})();
