/* SPDX-License-Identifier: Apache-2.0 */
/* The one way a cell owns something: every host object a cell holds (its
 * memory, stack-allocated instance, descriptors, files, sockets) embeds a
 * resource and is registered with the cell. When the cell ends, however it
 * ends, the runtime releases everything still registered, newest first. */
#ifndef MINOS_CORE_RESOURCE_H
#define MINOS_CORE_RESOURCE_H

typedef struct resource resource;
typedef void (*resource_release_fn)(resource *resource);

struct resource {
  resource *previous, *next;
  resource_release_fn release;
};

typedef struct resource_list {
  resource head; /* sentinel of a circular list */
} resource_list;

void resource_list_init(resource_list *list);
void resource_add(resource_list *list, resource *resource, resource_release_fn release);
/* Unlinks without releasing: for objects released early by their owner. */
void resource_remove(resource *resource);
/* Releases and unlinks everything, newest first. */
void resource_release_all(resource_list *list);

#endif
