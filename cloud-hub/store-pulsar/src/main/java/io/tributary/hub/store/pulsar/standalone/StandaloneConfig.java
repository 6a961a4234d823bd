package io.tributary.hub.store.pulsar.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the standalone broker's configuration (also the bookie's base configuration) and its log4j2 config. */
final class StandaloneConfig {
    private StandaloneConfig() {}

    /** The ledger rollover settings: none (Pulsar's defaults), or a rollover after the entries given at any age. */
    private static String rollover(StandaloneBroker.Settings s) {
        if (s.ledgerMaxEntries() <= 0) {
            return "";
        }
        return "managedLedgerMaxEntriesPerLedger=" + s.ledgerMaxEntries()
                + "\nmanagedLedgerMinLedgerRolloverTimeMinutes=0\n";
    }

    static void write(Path conf, StandaloneBroker.Settings s) throws IOException {
        Files.writeString(
                conf.resolve("standalone.conf"),
                String.join(
                        "\n",
                        "# Written by Tributary's StandaloneBroker at each start; edits are overwritten.",
                        "clusterName=" + s.clusterName(),
                        "bindAddress=127.0.0.1",
                        "advertisedAddress=127.0.0.1",
                        "brokerServicePort=" + s.brokerPort(),
                        "webServicePort=" + s.webPort(),
                        "# the bookie: on loopback and on the port given (else BookKeeper picks any port on 0.0.0.0)",
                        "allowEphemeralPorts=true",
                        "listeningInterface=lo",
                        "bookiePort=" + s.bookiePort(),
                        "# sized for a 2-core box",
                        "numIOThreads=2",
                        "numHttpServerThreads=4",
                        "numOrderedExecutorThreads=2",
                        "numExecutorThreadPoolSize=2",
                        "numCacheExecutorThreadPoolSize=1",
                        "managedLedgerNumSchedulerThreads=2",
                        "bookkeeperClientNumWorkerThreads=2",
                        "bookkeeperClientNumIoThreads=2",
                        "managedLedgerCacheSizeMB=16",
                        "managedLedgerDefaultEnsembleSize=1",
                        "managedLedgerDefaultWriteQuorum=1",
                        "managedLedgerDefaultAckQuorum=1",
                        "functionsWorkerEnabled=false",
                        "webSocketServiceEnabled=false",
                        "transactionCoordinatorEnabled=false",
                        "brokerDeleteInactiveTopicsEnabled=false",
                        "allowAutoTopicCreation=true",
                        "allowAutoTopicCreationType=non-partitioned",
                        "loadBalancerEnabled=false",
                        "exposeTopicLevelMetricsInPrometheus=false",
                        "authenticationEnabled=false",
                        "authorizationEnabled=false",
                        "# bookie: an entry is acknowledged only once the journal is fsync'd",
                        "httpServerEnabled=false",
                        "journalSyncData=true",
                        "dbStorage_writeCacheMaxSizeMb=16",
                        "dbStorage_readAheadCacheMaxSizeMb=16",
                        "dbStorage_rocksDB_blockCacheSize=8388608",
                        "journalMaxGroupWaitMSec=1",
                        "numAddWorkerThreads=1",
                        "numReadWorkerThreads=1",
                        "numHighPriorityWorkerThreads=1",
                        "serverNumIOThreads=1",
                        rollover(s)));
        Files.writeString(
                conf.resolve("log4j2.xml"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<Configuration status=\"WARN\">\n"
                        + "  <Appenders><Console name=\"Console\" target=\"SYSTEM_OUT\">\n"
                        + "    <PatternLayout pattern=\"%d{HH:mm:ss.SSS} [%t] %-5level %c{1} - %msg%n\"/>\n"
                        + "  </Console></Appenders>\n"
                        + "  <Loggers><Root level=\"info\"><AppenderRef ref=\"Console\"/></Root></Loggers>\n"
                        + "</Configuration>\n");
    }
}
