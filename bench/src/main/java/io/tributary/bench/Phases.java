package io.tributary.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Runs the phases of {@code bench edge}: a failed phase is noted and the benchmark goes on with the next. */
final class Phases {
    private Phases() {}

    /** A phase's outcome, one line for stderr. */
    interface Result {
        String describe();
    }

    @FunctionalInterface
    interface Body<T> {
        T run() throws Exception;
    }

    /** Runs a phase: its result, or null with the failure added to {@code errors}. */
    static <T> T run(String name, List<String> errors, Body<T> body) {
        System.err.printf("bench edge: %s...%n", name);
        try {
            T result = body.run();
            if (result instanceof Result r) {
                System.err.printf("bench edge: %s: %s%n", name, r.describe());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(name + ": interrupted");
        } catch (Exception e) {
            errors.add(name + ": " + e.getMessage());
            System.err.printf("bench edge: %s failed: %s%n", name, e);
        }
        return null;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
