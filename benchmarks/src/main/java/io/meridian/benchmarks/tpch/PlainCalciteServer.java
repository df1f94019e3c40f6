package io.meridian.benchmarks.tpch;

import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.remote.Driver.Serialization;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.server.HttpServer;
import org.apache.calcite.avatica.server.ServerCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.util.List;
import java.util.Properties;

/**
 * The plain Calcite system's own process: Calcite's JDBC driver over a model of one
 * {@code JdbcSchema} per backend, nothing of Meridian's, served by Avatica on loopback like
 * Meridian, so both are measured through the same client transport. Runs in a child JVM so that
 * a query that does not stop within the harness's cap can be ended by ending the process.
 *
 * <p>Arguments: the model file. Prints {@code PORT <n>} when it serves.
 */
public final class PlainCalciteServer {
  private PlainCalciteServer() {
  }

  public static void main(String[] args) throws Exception {
    Properties info = new Properties();
    info.setProperty("model", args[0]);
    // Lower-case identifiers as written; GROUP BY an output alias (q15) as most engines allow.
    info.setProperty("lex", "JAVA");
    info.setProperty("conformance", "LENIENT");
    JdbcMeta meta = new JdbcMeta("jdbc:calcite:", info);
    ServerCustomizer<Server> loopback = server -> {
      for (var connector : server.getConnectors()) {
        if (connector instanceof ServerConnector) {
          ((ServerConnector) connector).setHost("127.0.0.1");
        }
      }
    };
    HttpServer server = new HttpServer.Builder<Server>()
        .withHandler(new LocalService(meta), Serialization.PROTOBUF)
        .withPort(0)
        .withServerCustomizers(List.of(loopback), Server.class)
        .build();
    server.start();
    System.out.println("PORT " + server.getPort());
    System.out.flush();
    server.join();
  }
}
