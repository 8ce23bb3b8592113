"""Clinics API: reads of the centers, rooms and practitioners a caller may see."""

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView

from clinics.choices import Role, RoomType
from clinics.models import Center, Membership, PractitionerProfile, Room
from config.api import MAX_ID, NO_SUCH_PAGE, NOT_SIGNED_IN, NOT_VALID, ApiPagination


def centers_visible_to(user) -> QuerySet[Center]:
    """Active centers where the user holds a membership, or where they are a patient."""
    if not user.is_authenticated:
        return Center.objects.none()
    return Center.objects.filter(
        Q(memberships__user=user, memberships__is_active=True) | Q(patients__user=user),
        is_active=True,
    ).distinct()


class CenterFilterSerializer(serializers.Serializer):
    center = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this center's."
    )


class CenterSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    slug = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA zone the center plans in.")
    city = serializers.CharField()
    country = serializers.CharField()
    slot_minutes = serializers.IntegerField()


class ScopedListApi(ListAPIView):
    """A list of what the caller may see, filtered by the query's validated parameters."""

    pagination_class = ApiPagination
    filter_backends = [OrderingFilter]
    filter_serializer_class = CenterFilterSerializer

    def filters(self) -> dict:
        filters = self.filter_serializer_class(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data


LIST_ERRORS = {400: NOT_VALID, 401: NOT_SIGNED_IN, 404: NO_SUCH_PAGE}


class CenterListApi(ScopedListApi):
    serializer_class = CenterSerializer
    ordering_fields = ["name", "slug", "city"]
    ordering = ["name"]

    def get_queryset(self):
        return centers_visible_to(self.request.user)

    @extend_schema(
        operation_id="centers_list",
        responses={200: CenterSerializer(many=True), **LIST_ERRORS},
        description="The centers where the caller works, or where they are a patient.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RoomFilterSerializer(CenterFilterSerializer):
    room_type = serializers.ChoiceField(choices=RoomType.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    center = serializers.IntegerField(source="center_id")
    code = serializers.CharField()
    name = serializers.CharField()
    room_type = serializers.CharField()
    capacity = serializers.IntegerField(help_text="Places: more than 1 for a shared room.")
    gender = serializers.CharField(
        allow_null=True, help_text="Admits only patients of this gender; null for anyone."
    )
    is_active = serializers.BooleanField()


class RoomListApi(ScopedListApi):
    serializer_class = RoomSerializer
    filter_serializer_class = RoomFilterSerializer
    ordering_fields = ["code", "name", "capacity", "room_type"]
    ordering = ["center_id", "code"]

    def get_queryset(self):
        wanted = self.filters()
        rooms = Room.objects.filter(center__in=centers_visible_to(self.request.user))
        if "center" in wanted:
            rooms = rooms.filter(center_id=wanted["center"])
        if "room_type" in wanted:
            rooms = rooms.filter(room_type=wanted["room_type"])
        if wanted.get("is_active") is not None:
            rooms = rooms.filter(is_active=wanted["is_active"])
        return rooms

    @extend_schema(
        operation_id="rooms_list",
        parameters=[RoomFilterSerializer],
        responses={200: RoomSerializer(many=True), **LIST_ERRORS},
        description="Rooms of the centers the caller may see (see GET /api/centers).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PractitionerFilterSerializer(CenterFilterSerializer):
    skill = serializers.SlugField(required=False, max_length=50, help_text="A skill's code.")


class PractitionerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="user.get_full_name")
    gender = serializers.CharField()
    skills = serializers.SerializerMethodField(help_text="Codes of the skills they practise.")
    centers = serializers.SerializerMethodField(help_text="Ids of the centers they practise at.")

    def get_skills(self, practitioner) -> list[str]:
        return sorted(skill.code for skill in practitioner.skills.all())

    def get_centers(self, practitioner) -> list[int]:
        return sorted(m.center_id for m in practitioner.user.practising_memberships)


class PractitionerListApi(ScopedListApi):
    serializer_class = PractitionerSerializer
    filter_serializer_class = PractitionerFilterSerializer
    ordering_fields = [("user__first_name", "name")]
    ordering = ["user__first_name", "user__last_name", "pk"]

    def get_queryset(self):
        wanted = self.filters()
        centers = centers_visible_to(self.request.user)
        if "center" in wanted:
            centers = centers.filter(pk=wanted["center"])
        practising = Membership.objects.filter(
            role=Role.PRACTITIONER, is_active=True, center__in=centers
        )
        practitioners = PractitionerProfile.objects.filter(
            user__in=practising.values("user_id")
        ).select_related("user")
        if "skill" in wanted:
            practitioners = practitioners.filter(skills__code=wanted["skill"])
        return practitioners.prefetch_related(
            "skills",
            Prefetch("user__memberships", queryset=practising, to_attr="practising_memberships"),
        )

    @extend_schema(
        operation_id="practitioners_list",
        parameters=[PractitionerFilterSerializer],
        responses={200: PractitionerSerializer(many=True), **LIST_ERRORS},
        description="Practitioners of the centers the caller may see, with their skills.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
