/**
 * Root package of consistency4j: the exception hierarchy shared by every module. Metrics live in
 * {@code metrics}, text processing in {@code text}, the model contract in {@code lm}.
 */
package org.consistency4j;
