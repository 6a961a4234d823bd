package io.tributary.hub.group;

/** A member of a consumer group, as a session joined it. */
record MemberKey(GroupKey group, String member) {}
