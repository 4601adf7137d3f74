/* SPDX-License-Identifier: Apache-2.0 */
/*
 * piece.h - a piece delivered to a caller's sink (verified load): the token the caller may
 * hold while an asynchronous copy reads the slot, and the worker's wait for its release.  The
 * CPU engine keeps one token per lane; nothing here runs when there is no sink.
 */
#ifndef OMSIG_HASH_PIECE_H
#define OMSIG_HASH_PIECE_H

#include "omsig_internal.h"

#include <pthread.h>

struct omsig_piece {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool held;      /* the caller holds the slot (set before the callback, cleared by release) */
    bool stop;      /* released with stop set */
};

OMSIG_PRIVATE int omsig_piece_init(omsig_piece *t);
OMSIG_PRIVATE void omsig_piece_destroy(omsig_piece *t);
/* Marks the token held before the callback runs (a release may come from another thread
 * before the callback returns). */
OMSIG_PRIVATE void omsig_piece_lend(omsig_piece *t);
/* The callback returned OMSIG_PIECE_DONE: the slot is the library's again. */
OMSIG_PRIVATE void omsig_piece_take_back(omsig_piece *t);
/* Waits until the caller released the token; true when it asked to stop the run. */
OMSIG_PRIVATE bool omsig_piece_wait(omsig_piece *t);

#endif /* OMSIG_HASH_PIECE_H */
