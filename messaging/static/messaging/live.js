// Live messaging for the inbox and conversation pages (docs/messaging.md, "Live protocol").
// Progressive enhancement: without this script the pages work with plain forms and reloads.
//
// One WebSocket to /ws/messaging/ (the session cookie signs it in). A conversation page
// subscribes to its conversation, appends new messages, shows read receipts, marks what it
// shows as read, and sends without a reload. After a drop it reconnects (backing off) and asks
// the API for every message after the newest one it shows: no gaps; ids already shown are
// skipped: no duplicates. The inbox updates its rows; the menu's badge follows the total.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-messaging]");
  if (!root || !("WebSocket" in window)) {
    return;
  }
  var conversationId = parseInt(root.getAttribute("data-conversation-id") || "0", 10);
  var userId = parseInt(root.getAttribute("data-user-id") || "0", 10);
  var list = root.querySelector("[data-testid=messages]");
  var olderPage = root.hasAttribute("data-older-page");
  var shown = new Set();
  var newest = parseInt(root.getAttribute("data-newest-id") || "0", 10);
  var status = document.getElementById("live-status");
  var socket = null;
  var paused = false;
  var attempts = 0;
  var connectedBefore = false;
  var pingTimer = null;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  if (list) {
    list.querySelectorAll("[data-message-id]").forEach(function (item) {
      shown.add(parseInt(item.getAttribute("data-message-id"), 10));
    });
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

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function setBadge(total) {
    var badge = document.querySelector("[data-testid=messages-badge]");
    if (!badge) {
      return;
    }
    var count = badge.querySelector("[data-count]");
    if (count) {
      count.textContent = total > 99 ? "99+" : String(total);
    }
    badge.hidden = !total;
  }

  function when(iso) {
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + ", " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  // --- a conversation ---------------------------------------------------------------------------

  function render(message) {
    var mine = message.sender_id === userId;
    var item = document.createElement("li");
    item.className = "chat-message" + (mine ? " mine" : "");
    item.setAttribute("data-message-id", String(message.id));
    item.setAttribute("data-testid", "message");
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (mine ? "You" : document.querySelector("h1").textContent) + ":";
    var text = document.createElement("p");
    text.className = "chat-text";
    text.textContent = message.content;
    var meta = document.createElement("small");
    meta.className = "muted";
    var time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    time.textContent = when(message.created_at);
    meta.appendChild(time);
    if (mine) {
      var receipt = document.createElement("span");
      receipt.className = "receipt";
      receipt.setAttribute("data-testid", "receipt");
      receipt.textContent = message.read_at ? "Read" : "Sent";
      if (message.read_at) {
        item.setAttribute("data-read", "");
      }
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(receipt);
    } else {
      var report = document.createElement("a");
      report.className = "secondary";
      report.href = root.getAttribute("data-report-url") + "?message=" + message.id;
      report.textContent = "Report";
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(report);
    }
    item.appendChild(who);
    item.appendChild(text);
    item.appendChild(meta);
    return item;
  }

  function show(messages) {
    // Oldest first; skip what is on screen already (an event and a catch-up may both bring it).
    var fromOther = false;
    messages.sort(function (a, b) { return a.id - b.id; }).forEach(function (message) {
      if (shown.has(message.id) || message.conversation_id !== conversationId) {
        return;
      }
      var empty = list.querySelector("[data-empty]");
      if (empty) {
        empty.remove();
      }
      shown.add(message.id);
      list.appendChild(render(message));
      newest = Math.max(newest, message.id);
      if (message.sender_id !== userId) {
        fromOther = true;
      }
    });
    if (fromOther) {
      markRead();
    }
  }

  function markRead() {
    if (document.visibilityState === "hidden") {
      return; // when the tab is shown again (visibilitychange below)
    }
    var body = new FormData();
    body.append("up_to", String(newest));
    fetch(root.getAttribute("data-read-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { setBadge(data.unread_total); } })
      .catch(function () {});
  }

  function receipts(upTo) {
    list.querySelectorAll(".chat-message.mine").forEach(function (item) {
      if (parseInt(item.getAttribute("data-message-id"), 10) <= upTo) {
        item.setAttribute("data-read", "");
        var receipt = item.querySelector("[data-testid=receipt]");
        if (receipt) {
          receipt.textContent = "Read";
        }
      }
    });
  }

  function catchUp(url, collected) {
    // Everything after the newest id shown, newest first, page by page (follow `next`).
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [], next: null }; })
      .then(function (page) {
        collected = collected.concat(page.results);
        return page.next ? catchUp(page.next, collected) : collected;
      });
  }

  function afterSubscribed() {
    var url = root.getAttribute("data-api-messages") + "?page_size=100&after=" + newest;
    catchUp(url, []).then(show).catch(function () {});
  }

  var composer = document.getElementById("composer");
  if (composer && conversationId && !olderPage) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = composer.querySelector("[data-send-error]");
      var field = composer.querySelector("textarea");
      var button = composer.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(composer.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: new FormData(composer),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          if (result.ok) {
            error.hidden = true;
            field.value = "";
            show([result.data]);
          } else {
            error.textContent = result.data.error.message;
            error.hidden = false;
          }
        })
        .catch(function () {
          error.textContent = "Could not send: check your connection and try again.";
          error.hidden = false;
        })
        .finally(function () {
          button.disabled = false;
          field.focus();
        });
    });
    composer.querySelector("textarea").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        composer.requestSubmit();
      }
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && conversationId && list) {
      markRead();
    }
  });

  // --- the inbox --------------------------------------------------------------------------------

  function refreshInbox() {
    var url = root.getAttribute("data-inbox-url") + "?fragment=list";
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { root.innerHTML = html; } })
      .catch(function () {});
  }

  function inboxUpdated(event) {
    var row = root.querySelector("[data-conversation-id='" + event.conversation_id + "']");
    var inboxList = root.querySelector("[data-testid=inbox]");
    if (!row || !inboxList) {
      refreshInbox();
      return;
    }
    row.querySelector(".inbox-preview").textContent = event.last_message_preview;
    var time = row.querySelector("time");
    time.setAttribute("datetime", event.last_message_at);
    time.textContent = when(event.last_message_at);
    var unread = row.querySelector("[data-testid=conversation-unread]");
    unread.firstChild.textContent = String(event.unread_count);
    unread.hidden = !event.unread_count;
    row.classList.toggle("unread", event.unread_count > 0);
    inboxList.insertBefore(row, inboxList.firstChild);
  }

  // --- the socket -------------------------------------------------------------------------------

  function onEvent(event) {
    if (event.type === "hello") {
      attempts = 0;
      say("");
      if (conversationId && !olderPage) {
        socket.send(JSON.stringify({ type: "subscribe", conversation_id: conversationId }));
      } else if (connectedBefore && !conversationId) {
        refreshInbox(); // what changed while the socket was down
      }
      connectedBefore = true;
      if (!conversationId) {
        root.setAttribute("data-live", "ready");
      }
    } else if (event.type === "subscribed") {
      root.setAttribute("data-live", "ready");
      afterSubscribed();
    } else if (event.type === "message.new" && list) {
      show([event.message]);
    } else if (event.type === "messages.read" && list && event.reader_id !== userId) {
      receipts(event.up_to);
    } else if (event.type === "inbox.updated") {
      setBadge(event.unread_total);
      if (!conversationId) {
        inboxUpdated(event);
      }
    } else if (event.type === "unread.changed") {
      setBadge(event.unread_total);
    }
  }

  function connect() {
    if (paused) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/messaging/");
    socket.addEventListener("message", function (message) {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        /* ignore a malformed event */
      }
    });
    socket.addEventListener("open", function () {
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "ping" }));
        }
      }, 30000);
    });
    socket.addEventListener("close", function () {
      clearInterval(pingTimer);
      root.setAttribute("data-live", "closed");
      if (paused) {
        return;
      }
      say("Reconnecting…");
      attempts += 1;
      setTimeout(connect, Math.min(1000 * Math.pow(2, attempts - 1), 15000));
    });
  }

  // For the browser tests: drop the socket and stay away, then come back.
  window.umbrellaLive = {
    drop: function () {
      paused = true;
      if (socket) {
        socket.close();
      }
    },
    resume: function () {
      paused = false;
      connect();
    },
    connected: function () {
      return !!socket && socket.readyState === WebSocket.OPEN;
    },
  };
  connect();
})();
