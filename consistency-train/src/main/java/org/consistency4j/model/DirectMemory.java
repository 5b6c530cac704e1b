package org.consistency4j.model;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer's native memory at once, through {@code sun.misc.Unsafe.invokeCleaner}
 * (module {@code jdk.unsupported}, in every OpenJDK since 9); where that is not available the
 * memory is left to the garbage collector, as for any direct buffer. A direct buffer's memory is
 * otherwise freed only after a collection finds the buffer unreachable, which a heap with little
 * garbage may not run for a long time.
 */
final class DirectMemory {
  /** {@code invokeCleaner} bound to the {@code Unsafe} instance, or null. */
  private static final MethodHandle CLEANER = cleaner();

  private DirectMemory() {}

  private static MethodHandle cleaner() {
    try {
      Class<?> unsafe = Class.forName("sun.misc.Unsafe");
      Field field = unsafe.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
          MethodType.methodType(void.class, ByteBuffer.class)).bindTo(field.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Frees {@code buffer}'s memory now if this JDK allows it; the caller must drop every reference
   * to the buffer and to views of it, whose contents are undefined afterwards.
   *
   * @param buffer a direct buffer made by {@link ByteBuffer#allocateDirect} (not a slice or a
   *     duplicate)
   */
  static void free(ByteBuffer buffer) {
    if (CLEANER == null) {
      return;
    }
    try {
      CLEANER.invokeExact(buffer);
    } catch (RuntimeException e) {
      // Not freeable at once (for example a view): the collector frees it later.
    } catch (Throwable e) {
      throw new IllegalStateException("freeing a direct buffer failed", e);
    }
  }
}
