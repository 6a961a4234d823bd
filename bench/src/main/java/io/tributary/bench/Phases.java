package io.tributary.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Runs the phases of a benchmark: a failed phase is noted and the benchmark goes on with the next. */
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

    /** Runs a phase of {@code bench edge}: its result, or null with the failure added to {@code errors}. */
    static <T> T run(String name, List<String> errors, Body<T> body) {
        return run("bench edge", name, errors, body);
    }

    /** Runs a phase of {@code bench}: its result, or null with the failure added to {@code errors}. */
    static <T> T run(String bench, String name, List<String> errors, Body<T> body) {
        System.err.printf("%s: %s...%n", bench, name);
        try {
            T result = body.run();
            if (result instanceof Result r) {
                System.err.printf("%s: %s: %s%n", bench, name, r.describe());
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(name + ": interrupted");
        } catch (Exception e) {
            errors.add(name + ": " + e.getMessage());
            System.err.printf("%s: %s failed: %s%n", bench, name, e);
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
