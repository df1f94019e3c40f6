package io.meridian.jdbc;

import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.proto.Common;
import org.apache.calcite.avatica.proto.Responses;
import org.apache.calcite.avatica.remote.ProtobufTranslation;
import org.apache.calcite.avatica.remote.ProtobufTranslationImpl;
import org.apache.calcite.avatica.remote.Service;
import org.apache.calcite.avatica.remote.TypedValue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * Avatica's protobuf protocol with cheaper result frames, for Meridian's server and client
 * driver. Everything but the frames of execute and fetch responses goes through Avatica's own
 * {@link ProtobufTranslationImpl}.
 *
 * <p>The wire format stays Avatica's, so that Avatica's own driver reads what Meridian's server
 * sends, and Meridian's driver reads what any Avatica server sends. The differences:
 * <ul>
 *   <li>Writing, each scalar value is written once, as the column's {@code scalar_value}.
 *   Avatica also writes it a second time into the deprecated {@code value} list, which only
 *   clients older than Avatica 1.7 (Calcite 1.5) read; that doubled the bytes and the work of
 *   both ends. The column, row and frame messages around the values are written directly
 *   ({@link #frame}), not built.</li>
 *   <li>Reading, a column's kind is found with protobuf's generated accessors, where Avatica
 *   asks by field descriptor through reflection for every value.</li>
 * </ul>
 * Values are converted by Avatica's {@link TypedValue}, so every type keeps Avatica's
 * representation. Frames holding arrays are left to Avatica whole.
 */
public final class FrameProtobuf implements ProtobufTranslation {
  private static final String FETCH = Responses.FetchResponse.class.getName();
  private static final String EXECUTE = Responses.ExecuteResponse.class.getName();

  private final ProtobufTranslationImpl avatica = new ProtobufTranslationImpl();

  @Override public byte[] serializeResponse(Service.Response response) throws IOException {
    byte[] message;
    String name;
    if (response instanceof Service.FetchResponse fetch) {
      message = fetch(fetch);
      name = FETCH;
    } else if (response instanceof Service.ExecuteResponse execute) {
      message = execute(execute);
      name = EXECUTE;
    } else {
      return avatica.serializeResponse(response);
    }
    return Common.WireMessage.newBuilder()
        .setNameBytes(ByteString.copyFrom(name, StandardCharsets.UTF_8))
        .setWrappedMessage(UnsafeByteOperations.unsafeWrap(message))
        .build().toByteArray();
  }

  @Override public byte[] serializeRequest(Service.Request request) throws IOException {
    return avatica.serializeRequest(request);
  }

  @Override public Service.Request parseRequest(byte[] bytes) throws IOException {
    return avatica.parseRequest(bytes);
  }

  @Override public Service.Response parseResponse(byte[] bytes) throws IOException {
    CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
    input.enableAliasing(true);
    Common.WireMessage wire = Common.WireMessage.parseFrom(input);
    String name = wire.getName();
    if (FETCH.equals(name)) {
      return fetch(Responses.FetchResponse.parseFrom(wire.getWrappedMessage()));
    }
    if (EXECUTE.equals(name)) {
      return execute(Responses.ExecuteResponse.parseFrom(wire.getWrappedMessage()));
    }
    return avatica.parseResponse(bytes);
  }

  /**
   * A fetch response's bytes: its frame written by {@link #frame}, the rest by protobuf (a
   * message's fields may come in any order, so the two parts are simply concatenated).
   */
  private static byte[] fetch(Service.FetchResponse response) throws IOException {
    Responses.FetchResponse.Builder builder = Responses.FetchResponse.newBuilder()
        .setMissingStatement(response.missingStatement)
        .setMissingResults(response.missingResults);
    if (response.rpcMetadata != null) {
      builder.setMetadata(metadata(response.rpcMetadata));
    }
    return withMessage(builder.build().toByteArray(),
        Responses.FetchResponse.FRAME_FIELD_NUMBER,
        response.frame == null ? null : frame(response.frame));
  }

  private static Service.FetchResponse fetch(Responses.FetchResponse message) {
    // As Avatica's: a response without a frame reads as an empty one.
    return new Service.FetchResponse(fromProto(message.getFrame()),
        message.getMissingStatement(), message.getMissingResults(),
        message.hasMetadata() ? metadata(message.getMetadata()) : null);
  }

  private static byte[] execute(Service.ExecuteResponse response) throws IOException {
    Responses.ExecuteResponse.Builder builder = Responses.ExecuteResponse.newBuilder()
        .setMissingStatement(response.missingStatement);
    if (response.rpcMetadata != null) {
      builder.setMetadata(metadata(response.rpcMetadata));
    }
    byte[] message = builder.build().toByteArray();
    if (response.results != null) {
      for (Service.ResultSetResponse result : response.results) {
        message = withMessage(message, Responses.ExecuteResponse.RESULTS_FIELD_NUMBER,
            resultSet(result));
      }
    }
    return message;
  }

  private static Service.ExecuteResponse execute(Responses.ExecuteResponse message) {
    List<Service.ResultSetResponse> results = new ArrayList<>(message.getResultsCount());
    for (Responses.ResultSetResponse result : message.getResultsList()) {
      results.add(new Service.ResultSetResponse(
          result.getConnectionId().isEmpty() ? null : result.getConnectionId(),
          result.getStatementId(), result.getOwnStatement(),
          result.hasSignature() ? Meta.Signature.fromProto(result.getSignature()) : null,
          result.hasFirstFrame() ? fromProto(result.getFirstFrame()) : null,
          result.getUpdateCount(),
          result.hasMetadata() ? metadata(result.getMetadata()) : null));
    }
    return new Service.ExecuteResponse(results, message.getMissingStatement(),
        message.hasMetadata() ? metadata(message.getMetadata()) : null);
  }

  private static byte[] resultSet(Service.ResultSetResponse result) throws IOException {
    Responses.ResultSetResponse.Builder builder = Responses.ResultSetResponse.newBuilder()
        .setStatementId(result.statementId)
        .setOwnStatement(result.ownStatement)
        .setUpdateCount(result.updateCount);
    if (result.connectionId != null) {
      builder.setConnectionId(result.connectionId);
    }
    if (result.signature != null) {
      builder.setSignature(result.signature.toProto());
    }
    if (result.rpcMetadata != null) {
      builder.setMetadata(metadata(result.rpcMetadata));
    }
    return withMessage(builder.build().toByteArray(),
        Responses.ResultSetResponse.FIRST_FRAME_FIELD_NUMBER,
        result.firstFrame == null ? null : frame(result.firstFrame));
  }

  /** {@code message} followed by {@code field}, a message given as its bytes (none if null). */
  private static byte[] withMessage(byte[] message, int field, byte[] value)
      throws IOException {
    if (value == null) {
      return message;
    }
    byte[] out = new byte[message.length + CodedOutputStream.computeTagSize(field)
        + CodedOutputStream.computeUInt32SizeNoTag(value.length) + value.length];
    System.arraycopy(message, 0, out, 0, message.length);
    CodedOutputStream coded = CodedOutputStream.newInstance(out, message.length,
        out.length - message.length);
    coded.writeByteArray(field, value);
    coded.checkNoSpaceLeft();
    return out;
  }

  private static Responses.RpcMetadata metadata(Service.RpcMetadataResponse metadata) {
    Responses.RpcMetadata.Builder builder = Responses.RpcMetadata.newBuilder();
    if (metadata.serverAddress != null) {
      builder.setServerAddress(metadata.serverAddress);
    }
    return builder.build();
  }

  private static Service.RpcMetadataResponse metadata(Responses.RpcMetadata message) {
    return message.getServerAddress().isEmpty() ? new Service.RpcMetadataResponse()
        : new Service.RpcMetadataResponse(message.getServerAddress());
  }

  /**
   * A frame's bytes in Avatica's format, each scalar written once: each value becomes a
   * {@code TypedValue} message as Avatica makes it, and the column, row and frame around it are
   * written here, without protobuf's builders (which copied each value twice more).
   */
  static byte[] frame(Meta.Frame frame) throws IOException {
    List<Common.TypedValue[]> rows = new ArrayList<>();
    for (Object row : frame.rows) {
      if (row == null) {
        continue; // as Avatica does
      }
      Object[] values = row instanceof Object[] ? (Object[]) row
          : toArray((Iterable<?>) row);
      Common.TypedValue[] typed = new Common.TypedValue[values.length];
      for (int i = 0; i < values.length; i++) {
        if (isArray(values[i])) {
          return frame.toProto().toByteArray();
        }
        Common.TypedValue.Builder builder = Common.TypedValue.newBuilder();
        TypedValue.toProto(builder, values[i]);
        typed[i] = builder.build();
      }
      rows.add(typed);
    }
    int[] rowSizes = new int[rows.size()];
    int size = 0;
    if (frame.offset != 0) {
      size += CodedOutputStream.computeUInt64Size(Common.Frame.OFFSET_FIELD_NUMBER, frame.offset);
    }
    if (frame.done) {
      size += CodedOutputStream.computeBoolSize(Common.Frame.DONE_FIELD_NUMBER, true);
    }
    for (int r = 0; r < rows.size(); r++) {
      int rowSize = 0;
      for (Common.TypedValue value : rows.get(r)) {
        int column = columnSize(value);
        rowSize += CodedOutputStream.computeTagSize(Common.Row.VALUE_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(column) + column;
      }
      rowSizes[r] = rowSize;
      size += CodedOutputStream.computeTagSize(Common.Frame.ROWS_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(rowSize) + rowSize;
    }
    byte[] out = new byte[size];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    if (frame.offset != 0) {
      coded.writeUInt64(Common.Frame.OFFSET_FIELD_NUMBER, frame.offset);
    }
    if (frame.done) {
      coded.writeBool(Common.Frame.DONE_FIELD_NUMBER, true);
    }
    for (int r = 0; r < rows.size(); r++) {
      coded.writeTag(Common.Frame.ROWS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      coded.writeUInt32NoTag(rowSizes[r]);
      for (Common.TypedValue value : rows.get(r)) {
        coded.writeTag(Common.Row.VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        coded.writeUInt32NoTag(columnSize(value));
        // ColumnValue { scalar_value: value }
        coded.writeMessage(Common.ColumnValue.SCALAR_VALUE_FIELD_NUMBER, value);
      }
    }
    coded.checkNoSpaceLeft();
    return out;
  }

  /** The size of a {@code ColumnValue} holding just {@code value} as its scalar. */
  private static int columnSize(Common.TypedValue value) {
    return CodedOutputStream.computeMessageSize(Common.ColumnValue.SCALAR_VALUE_FIELD_NUMBER,
        value);
  }

  private static Object[] toArray(Iterable<?> row) {
    List<Object> values = new ArrayList<>();
    row.forEach(values::add);
    return values.toArray();
  }

  private static boolean isArray(Object value) {
    return value instanceof List || value instanceof Array;
  }

  /**
   * A frame from Avatica's format: values as Avatica's own reading gives them. A frame any of
   * whose columns is not a scalar (an array, or a server older than Avatica 1.7) is read by
   * Avatica.
   */
  static Meta.Frame fromProto(Common.Frame message) {
    List<Object> rows = new ArrayList<>(message.getRowsCount());
    for (Common.Row protoRow : message.getRowsList()) {
      List<Object> row = new ArrayList<>(protoRow.getValueCount());
      for (Common.ColumnValue column : protoRow.getValueList()) {
        if (!column.hasScalarValue() || column.getHasArrayValue()) {
          return Meta.Frame.fromProto(message);
        }
        Common.TypedValue value = column.getScalarValue();
        // As Avatica's frames hold them: bytes as bytes, everything else in TypedValue's
        // serial form.
        row.add(value.getType() == Common.Rep.BYTE_STRING
            ? value.getBytesValue().toByteArray() : TypedValue.getSerialFromProto(value));
      }
      rows.add(row);
    }
    return Meta.Frame.create(message.getOffset(), message.getDone(), rows);
  }
}
