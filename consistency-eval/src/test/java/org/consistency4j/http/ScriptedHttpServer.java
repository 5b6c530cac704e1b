package org.consistency4j.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket HTTP/1.1 server that answers each connection by a script: a complete JSON reply, or
 * headers and the first bytes of a body followed by a stall that lasts until {@link #close()}. Lets
 * tests reproduce servers that hang mid-body, which {@code com.sun.net.httpserver} cannot.
 */
final class ScriptedHttpServer implements AutoCloseable {
  /** One scripted answer. */
  record Reply(int status, String body, boolean stallAfterPrefix, int prefixBytes) {
    static Reply json(String body) {
      return new Reply(200, body, false, 0);
    }

    /** Sends headers announcing {@code body} and only its first {@code prefixBytes} bytes. */
    static Reply stallAfter(String body, int prefixBytes) {
      return new Reply(200, body, true, prefixBytes);
    }
  }

  private final ServerSocket socket;
  private final Deque<Reply> script = new ArrayDeque<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Socket> open = new ArrayList<>();
  private final Thread acceptor;

  ScriptedHttpServer(Reply... replies) throws IOException {
    script.addAll(List.of(replies));
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "scripted-http-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  int port() {
    return socket.getLocalPort();
  }

  /** How many requests arrived. */
  int requests() {
    return connections.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        synchronized (open) {
          open.add(s);
        }
        Thread t = new Thread(() -> serve(s), "scripted-http-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        int length = readRequest(in);
        if (length < 0) {
          return;
        }
        connections.incrementAndGet();
        Reply r;
        synchronized (script) {
          r = script.isEmpty() ? Reply.json("{}") : script.poll();
        }
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        String head =
            "HTTP/1.1 " + r.status() + " X\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        if (r.stallAfterPrefix()) {
          out.write(body, 0, r.prefixBytes());
          out.flush();
          closed.await();
          return;
        }
        out.write(body);
        out.flush();
      }
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads one request; returns its body length, or -1 at the end of the connection. */
  private static int readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int c;
    while (matched < 4 && (c = in.read()) != -1) {
      head.write(c);
      matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    if (matched < 4) {
      return -1;
    }
    int length = 0;
    for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(length);
    return length;
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    socket.close();
    synchronized (open) {
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
