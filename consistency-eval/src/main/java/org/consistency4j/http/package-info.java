/**
 * Language models served over HTTP: {@link org.consistency4j.http.HttpLanguageModel} speaks the
 * OpenAI-compatible chat and completions protocol (vLLM, llama.cpp server, Ollama, OpenAI), configured
 * by {@link org.consistency4j.http.HttpModelConfig}. API keys come from environment variables and are
 * never logged.
 */
package org.consistency4j.http;
