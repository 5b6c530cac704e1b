package org.consistency4j.cli;

import org.consistency4j.http.HttpLanguageModel;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.lm.LanguageModel;

/** Opens the HTTP models of the commands that take a server URL. */
final class HttpModels {
  private HttpModels() {}

  /**
   * {@link HttpLanguageModel#open}, with an {@code --api-key-env} variable that is not set refused
   * as a usage error (exit code 2) before the model is built.
   *
   * @throws IllegalArgumentException naming {@code --api-key-env} and the variable if it is unset or
   *     blank
   */
  static LanguageModel open(HttpModelConfig config) {
    config.apiKeyEnv().ifPresent(name -> {
      String value = System.getenv(name);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("--api-key-env: environment variable " + name
            + " is not set or empty; set it to the API key of "
            + HttpModelConfig.redactCredentials(config.baseUrl().toString()));
      }
    });
    return HttpLanguageModel.open(config);
  }
}
