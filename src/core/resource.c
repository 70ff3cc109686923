/* SPDX-License-Identifier: Apache-2.0 */
#include "core/resource.h"

#include <stddef.h>

void resource_list_init(resource_list *list) {
  list->head.previous = list->head.next = &list->head;
  list->head.release = NULL;
}

void resource_add(resource_list *list, resource *item, resource_release_fn release) {
  item->release = release;
  item->next = list->head.next;
  item->previous = &list->head;
  list->head.next->previous = item;
  list->head.next = item;
}

void resource_remove(resource *item) {
  if (!item->next) return;
  item->previous->next = item->next;
  item->next->previous = item->previous;
  item->next = item->previous = NULL;
}

void resource_release_all(resource_list *list) {
  while (list->head.next != &list->head) {
    resource *item = list->head.next;
    resource_remove(item);
    item->release(item);
  }
}
