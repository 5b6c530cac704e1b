package org.consistency4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.Check;
import org.consistency4j.lora.LoraConfig;

/**
 * What a fine-tuning run trains, resolved once from the user's choice: every weight ({@link Full}),
 * new LoRA adapters ({@link NewLora}) or a stage-1 adapter continued ({@link ContinueAdapter}). With
 * the model it is the run's identity beyond its configuration and data ({@link #runFields}), stored
 * in checkpoints and compared when a run resumes. Immutable.
 */
public sealed interface Adaptation
    permits Adaptation.Full, Adaptation.NewLora, Adaptation.ContinueAdapter {

  /** The LoRA settings trained, or empty for full fine-tuning. */
  Optional<LoraConfig> lora();

  /** Full fine-tuning: every weight trains, and the run exports a model directory. */
  record Full() implements Adaptation {
    @Override
    public Optional<LoraConfig> lora() {
      return Optional.empty();
    }
  }

  /**
   * New LoRA adapters, initialized from the settings' seed; the run exports a PEFT adapter.
   *
   * @param settings rank, alpha, targets, dropout and seed
   */
  record NewLora(LoraConfig settings) implements Adaptation {
    /** Validates that the settings are present. */
    public NewLora {
      Check.notNull(settings, "settings");
    }

    @Override
    public Optional<LoraConfig> lora() {
      return Optional.of(settings);
    }
  }

  /**
   * A stage-1 PEFT LoRA adapter continued: the trained adapters start from its weights, so the policy
   * (and a reference model) start as base + adapter, and the exported adapter applies to the base
   * model. The settings must have the adapter's rank, alpha and targets ({@link
   * org.consistency4j.lora.Lora#readPeftConfig}); the run checks them against the adapter's files.
   *
   * @param adapter the adapter directory
   * @param settings the LoRA settings of the run (dropout and seed may be the run's own)
   */
  record ContinueAdapter(Path adapter, LoraConfig settings) implements Adaptation {
    /** Validates that both are present. */
    public ContinueAdapter {
      Check.notNull(adapter, "adapter");
      Check.notNull(settings, "settings");
    }

    @Override
    public Optional<LoraConfig> lora() {
      return Optional.of(settings);
    }
  }

  /** {@link NewLora} with {@code lora}'s settings, or {@link Full} when it is empty. */
  static Adaptation of(Optional<LoraConfig> lora) {
    Check.notNull(lora, "lora");
    return lora.<Adaptation>map(NewLora::new).orElseGet(Full::new);
  }

  /**
   * The run fields of a run of this adaptation on {@code modelDir}: the model (a fingerprint of its
   * files), the LoRA settings and a continued adapter (a fingerprint of its files).
   */
  default Map<String, String> runFields(Path modelDir) {
    Map<String, String> run = new LinkedHashMap<>();
    run.put("model", RunFingerprints.directory(modelDir));
    if (lora().isPresent()) {
      LoraConfig l = lora().get();
      run.put("lora.rank", Integer.toString(l.rank()));
      run.put("lora.alpha", Double.toString(l.alpha()));
      run.put("lora.targets", String.join(",", l.targets()));
      run.put("lora.dropout", Double.toString(l.dropout()));
      run.put("lora.seed", Long.toString(l.seed()));
    } else {
      run.put("lora", "none (full fine-tuning)");
    }
    if (this instanceof ContinueAdapter c) {
      run.put("adapter", RunFingerprints.directory(c.adapter()));
    }
    return run;
  }
}
