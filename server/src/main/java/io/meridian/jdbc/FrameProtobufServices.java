package io.meridian.jdbc;

import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.ConnectionConfig;
import org.apache.calcite.avatica.remote.AvaticaHttpClient;
import org.apache.calcite.avatica.remote.RemoteProtobufService;
import org.apache.calcite.avatica.remote.RemoteService;
import org.apache.calcite.avatica.remote.Driver.Serialization;
import org.apache.calcite.avatica.remote.Service;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The service of a connection made by {@link MeridianClientDriver}: Avatica's HTTP client (the
 * same one, with the connection's TLS and authentication settings), whose protobuf results are
 * read by {@link FrameProtobuf}. A connection asking for JSON gets Avatica's JSON service.
 * Avatica's driver takes a service factory by class name (connection property
 * {@code factory}); its own choice of service is package-private.
 */
public final class FrameProtobufServices implements Service.Factory {
  @Override public Service create(AvaticaConnection connection) {
    ConnectionConfig config = connection.config();
    if (config.url() == null) {
      throw new IllegalArgumentException("the JDBC URL names no server: it needs"
          + " url=http://host:port (or https)");
    }
    AvaticaHttpClient client;
    try {
      client = config.httpClientFactory().getClient(new URI(config.url()).toURL(), config,
          connection.getKerberosConnection());
    } catch (MalformedURLException | URISyntaxException | IllegalArgumentException e) {
      throw new RuntimeException("bad Meridian server URL: " + config.url(), e);
    }
    Serialization serialization = Serialization.valueOf(
        config.serialization().toUpperCase(Locale.ROOT));
    return serialization == Serialization.PROTOBUF
        ? new RemoteProtobufService(client, new FrameProtobuf()) : new RemoteService(client);
  }
}
