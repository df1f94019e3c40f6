package io.meridian.server.demo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, so that two Meridian processes never serve (and
 * write) the same embedded databases. Released by {@link #close()} or when the process exits.
 */
final class DataDirectoryLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, failing at once with a clear message when another process holds it. */
  static DataDirectoryLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(".meridian.lock");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("another Meridian server is using the data directory " + dir
          + "; stop it, or start this one with another --data-dir");
    }
    return new DataDirectoryLock(channel, lock);
  }

  @Override public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process is releasing it anyway
    }
  }
}
