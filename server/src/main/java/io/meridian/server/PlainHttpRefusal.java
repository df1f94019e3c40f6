package io.meridian.server;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.OptionalSslConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * On the HTTPS port, answers a plain-HTTP request with {@code 400 Bad Request} ("this port
 * serves HTTPS") and closes the connection. Without an answer, Jetty's TLS connection would
 * just close it, and Avatica's client takes a connection closed without a response for a
 * backend server restarting behind a load balancer and retries forever: a client given
 * {@code http://} for an HTTPS server hung. Jetty's own detector answers only a {@code GET};
 * Avatica sends {@code POST}.
 */
final class PlainHttpRefusal extends OptionalSslConnectionFactory {
  private static final Logger LOG = LoggerFactory.getLogger(PlainHttpRefusal.class);
  private static final String BODY = "This port serves HTTPS: use an https:// URL.\n";
  private static final byte[] RESPONSE = ("HTTP/1.1 400 Bad Request\r\n"
      + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + BODY.length()
      + "\r\nConnection: close\r\n\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);

  PlainHttpRefusal(SslConnectionFactory tls) {
    super(tls, null);
  }

  @Override protected void otherProtocol(ByteBuffer buffer, EndPoint endPoint) {
    LOG.debug("plain HTTP on the HTTPS port from {}: refused", endPoint.getRemoteAddress());
    endPoint.write(Callback.from(endPoint::close, failure -> endPoint.close()),
        ByteBuffer.wrap(RESPONSE));
  }
}
