/**
 * The end-to-end demo: an embedded suite of eight synthetic tasks with fourteen wordings each, a tiny
 * word-level Llama trained from scratch, baseline SFT, instruction-augmented SFT and consistency
 * alignment training, evaluated on held-out wordings ({@link org.consistency4j.demo.Demo}).
 */
package org.consistency4j.demo;
