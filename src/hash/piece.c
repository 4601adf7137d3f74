/* SPDX-License-Identifier: Apache-2.0 */
/*
 * piece.c - the tokens of pieces handed to a sink: lent before the callback, released by the
 * caller (any thread) when an asynchronous copy out of the slot has completed, waited for by
 * the worker before the slot is reused.  A mutex and a condition variable: no busy wait.
 */
#include "piece.h"

int omsig_piece_init(omsig_piece *t)
{
    t->held = false;
    t->stop = false;
    if (pthread_mutex_init(&t->mu, NULL) != 0) return -1;
    if (pthread_cond_init(&t->cv, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        return -1;
    }
    return 0;
}

void omsig_piece_destroy(omsig_piece *t)
{
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}

void omsig_piece_lend(omsig_piece *t)
{
    pthread_mutex_lock(&t->mu);
    t->held = true;
    t->stop = false;
    pthread_mutex_unlock(&t->mu);
}

void omsig_piece_take_back(omsig_piece *t)
{
    pthread_mutex_lock(&t->mu);
    t->held = false;
    pthread_mutex_unlock(&t->mu);
}

bool omsig_piece_wait(omsig_piece *t)
{
    pthread_mutex_lock(&t->mu);
    while (t->held) pthread_cond_wait(&t->cv, &t->mu);
    const bool stop = t->stop;
    pthread_mutex_unlock(&t->mu);
    return stop;
}

void omsig_piece_release(omsig_piece *t, int stop)
{
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    if (t->held) {
        t->held = false;
        t->stop = stop != 0;
        pthread_cond_signal(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
}
