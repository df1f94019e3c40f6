package io.meridian.server;

import io.meridian.jdbc.FrameProtobuf;

import org.apache.calcite.avatica.AvaticaUtils;
import org.apache.calcite.avatica.metrics.MetricsSystem;
import org.apache.calcite.avatica.metrics.noop.NoopMetricsSystem;
import org.apache.calcite.avatica.remote.Handler.HandlerResponse;
import org.apache.calcite.avatica.remote.ProtobufHandler;
import org.apache.calcite.avatica.remote.Service;
import org.apache.calcite.avatica.server.AbstractAvaticaHandler;
import org.apache.calcite.avatica.util.UnsynchronizedBuffer;

import org.eclipse.jetty.server.Request;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Serves Avatica's protobuf protocol, as Avatica's {@code AvaticaProtobufHandler} does, but with
 * result frames written by {@link FrameProtobuf} (each value once, where Avatica writes it
 * twice). Avatica's handler builds its translation itself and offers no way to give it another.
 */
final class ProtobufEndpoint extends AbstractAvaticaHandler {
  private final Service service;
  private final ProtobufHandler protobuf;
  private final ThreadLocal<UnsynchronizedBuffer> buffers =
      ThreadLocal.withInitial(UnsynchronizedBuffer::new);

  ProtobufEndpoint(Service service) {
    this.service = service;
    this.protobuf = new ProtobufHandler(service, new FrameProtobuf(), getMetrics());
  }

  @Override public void handle(String target, Request baseRequest, HttpServletRequest request,
      HttpServletResponse response) throws IOException {
    baseRequest.setHandled(true);
    if (!"POST".equals(request.getMethod())) {
      response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
      response.getOutputStream().write(
          "This server expects only POST calls.".getBytes(StandardCharsets.UTF_8));
      return;
    }
    byte[] body;
    UnsynchronizedBuffer buffer = buffers.get();
    try (InputStream in = request.getInputStream()) {
      body = AvaticaUtils.readFullyToBytes(in, buffer);
    } finally {
      buffer.reset();
    }
    HandlerResponse<byte[]> answer;
    try {
      answer = protobuf.apply(body);
    } catch (RuntimeException e) {
      answer = protobuf.convertToErrorResponse(e);
    }
    response.setContentType("application/octet-stream;charset=utf-8");
    response.setStatus(answer.getStatusCode());
    response.getOutputStream().write(answer.getResponse());
  }

  @Override public void setServerRpcMetadata(Service.RpcMetadataResponse metadata) {
    service.setRpcMetadata(metadata);
    protobuf.setRpcMetadata(metadata);
  }

  @Override public MetricsSystem getMetrics() {
    return NoopMetricsSystem.getInstance();
  }
}
