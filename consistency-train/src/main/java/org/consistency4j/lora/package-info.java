/**
 * Low-rank adaptation (LoRA): {@link org.consistency4j.lora.Lora} rewrites a forward graph so that chosen
 * linear layers get a trainable low-rank update while their base weights stay frozen initializers, and
 * exports the result as a PEFT adapter or as merged full weights.
 */
package org.consistency4j.lora;
