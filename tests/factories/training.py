import datetime

import factory

from countyhub.training.models import Course, Session
from tests.factories.core import CountyFactory, UserFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    county = factory.SubFactory(CountyFactory)
    title = factory.Sequence(lambda n: f"电子商务运营{n}")
    title_en = factory.Sequence(lambda n: f"E-Commerce Operation {n}")
    syllabus = "开店、选品、客服、物流"
    hours = 16


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    date = datetime.date(2025, 3, 10)
    place = "县电子商务公共服务中心培训室"
    trainer = factory.SubFactory(UserFactory)
    capacity = 2
