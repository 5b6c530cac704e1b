package org.consistency4j.cli;

import org.consistency4j.model.RuntimeOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --device} option of every command that runs a local model: {@code cpu} (the default),
 * {@code cuda} or {@code cuda:N}. CUDA needs ONNX Runtime's CUDA build (the {@code cuda} Maven
 * profile); without it loading the model fails with a message saying so.
 */
final class DeviceOption {
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
      description = "Where ONNX Runtime runs local models: cpu, cuda or cuda:N (GPU N; needs the"
          + " CUDA build of ONNX Runtime) (default: ${DEFAULT-VALUE}).")
  private String device;

  /** Runtime options for this device with ONNX Runtime's default thread count. */
  RuntimeOptions runtime() {
    return runtime(0);
  }

  /**
   * Runtime options for this device.
   *
   * @param threads intra-op threads, 0 for ONNX Runtime's default
   * @throws IllegalArgumentException naming the option and the bad value
   */
  RuntimeOptions runtime(int threads) {
    RuntimeOptions.Builder b = RuntimeOptions.builder().intraOpThreads(threads);
    String d = device.strip();
    if (d.equals("cpu")) {
      return b.device(RuntimeOptions.Device.CPU).build();
    }
    if (d.equals("cuda")) {
      return b.device(RuntimeOptions.Device.CUDA).build();
    }
    if (d.startsWith("cuda:")) {
      String n = d.substring("cuda:".length());
      if (!n.isEmpty() && n.length() <= 4 && n.chars().allMatch(Character::isDigit)) {
        return b.device(RuntimeOptions.Device.CUDA).deviceId(Integer.parseInt(n)).build();
      }
    }
    throw new IllegalArgumentException(
        "--device must be cpu, cuda or cuda:N with N a GPU number in [0, 9999], found \"" + device
            + "\"");
  }
}
